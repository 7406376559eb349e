package io.sluice.proxy.tcp;

import io.sluice.observe.TerminationCounters;
import io.sluice.observe.TerminationState;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;

/**
 * Per-listener figures of the TCP relay: how sessions ended, the most bytes any one session ever
 * held queued towards a slow peer (the proof that backpressure bounds memory), and how many moved
 * to splice.
 *
 * <p>Threads: event loops write; anyone reads.
 */
public final class RelayStats {
  private final TerminationCounters terminations = new TerminationCounters();
  private final LongAccumulator maxQueuedBytes = new LongAccumulator(Math::max, 0);
  private final LongAdder bytesFromClients = new LongAdder();
  private final LongAdder bytesToClients = new LongAdder();
  private final LongAdder spliced = new LongAdder();
  private final LongAdder splicesWithoutPipe = new LongAdder();
  private final LongAdder splicesFailed = new LongAdder();

  public TerminationCounters terminations() {
    return terminations;
  }

  /** The largest write queue seen on any one side of any session, in bytes. */
  public long maxQueuedBytes() {
    return maxQueuedBytes.get();
  }

  public long bytesFromClients() {
    return bytesFromClients.sum();
  }

  public long bytesToClients() {
    return bytesToClients.sum();
  }

  /** Connections whose relay moved to splice. */
  public long spliced() {
    return spliced.sum();
  }

  /** Connections that were to be spliced but went on copying: no pipe was left. */
  public long splicesWithoutPipe() {
    return splicesWithoutPipe.sum();
  }

  /** Connections that were to be spliced but went on copying: the kernel refused to splice. */
  public long splicesFailed() {
    return splicesFailed.sum();
  }

  void spliceStarted() {
    spliced.increment();
  }

  void spliceFellBack(SpliceRelay.Fallback reason) {
    (reason == SpliceRelay.Fallback.NO_PIPE ? splicesWithoutPipe : splicesFailed).increment();
  }

  void sessionEnded(
      TerminationState termination, long maxQueued, long bytesFromClient, long bytesToClient) {
    terminations.count(termination);
    maxQueuedBytes.accumulate(maxQueued);
    bytesFromClients.add(bytesFromClient);
    bytesToClients.add(bytesToClient);
  }
}
