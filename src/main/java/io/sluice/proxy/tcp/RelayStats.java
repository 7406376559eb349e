package io.sluice.proxy.tcp;

import io.sluice.observe.TerminationCounters;
import io.sluice.observe.TerminationState;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;

/**
 * Per-listener figures of the TCP relay: how sessions ended, and the most bytes any one session
 * ever held queued towards a slow peer (the proof that backpressure bounds memory).
 *
 * <p>Threads: event loops write; anyone reads.
 */
public final class RelayStats {
  private final TerminationCounters terminations = new TerminationCounters();
  private final LongAccumulator maxQueuedBytes = new LongAccumulator(Math::max, 0);
  private final LongAdder bytesFromClients = new LongAdder();
  private final LongAdder bytesToClients = new LongAdder();

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

  void sessionEnded(
      TerminationState termination, long maxQueued, long bytesFromClient, long bytesToClient) {
    terminations.count(termination);
    maxQueuedBytes.accumulate(maxQueued);
    bytesFromClients.add(bytesFromClient);
    bytesToClients.add(bytesToClient);
  }
}
