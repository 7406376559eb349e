package io.sluice.proxy.udp;

import io.sluice.observe.TerminationCounters;
import io.sluice.observe.TerminationState;
import java.util.concurrent.atomic.LongAdder;

/**
 * Per-listener figures of the datagram relay: flows, evictions, drops by reason, and datagrams and
 * bytes each way.
 *
 * <p>Threads: the listener's event loop writes; anyone reads.
 */
public final class UdpStats {
  private final LongAdder datagramsFromClients = new LongAdder();
  private final LongAdder bytesFromClients = new LongAdder();
  private final LongAdder datagramsToClients = new LongAdder();
  private final LongAdder bytesToClients = new LongAdder();
  private final LongAdder flowsCreated = new LongAdder();
  private final LongAdder evictions = new LongAdder();
  private final LongAdder moves = new LongAdder();
  private final LongAdder[] drops = new LongAdder[DropReason.values().length];
  private final TerminationCounters terminations = new TerminationCounters();
  private final int maxFlows;
  private volatile int openFlows;

  public UdpStats(int maxFlows) {
    this.maxFlows = maxFlows;
    for (int i = 0; i < drops.length; i++) {
      drops[i] = new LongAdder();
    }
  }

  void fromClient(int bytes) {
    datagramsFromClients.increment();
    bytesFromClients.add(bytes);
  }

  void toClient(int bytes) {
    datagramsToClients.increment();
    bytesToClients.add(bytes);
  }

  void dropped(DropReason reason) {
    drops[reason.ordinal()].increment();
  }

  void flowCreated(int open) {
    flowsCreated.increment();
    openFlows = open;
  }

  void flowEnded(TerminationState state, int open) {
    terminations.count(state);
    if (state == TerminationState.RESOURCE_LIMIT_DURING_DATA) {
      evictions.increment();
    }
    openFlows = open;
  }

  void flowMoved() {
    moves.increment();
    terminations.count(TerminationState.SERVER_DOWN_DURING_DATA);
  }

  /** Flows held now. */
  public int openFlows() {
    return openFlows;
  }

  public int maxFlows() {
    return maxFlows;
  }

  public long flowsCreated() {
    return flowsCreated.sum();
  }

  /** Flows evicted to make room for new ones ({@code RD}). */
  public long evictions() {
    return evictions.sum();
  }

  /** Flows moved off a server that went down ({@code DD}). */
  public long moves() {
    return moves.sum();
  }

  public long drops(DropReason reason) {
    return drops[reason.ordinal()].sum();
  }

  public long datagramsFromClients() {
    return datagramsFromClients.sum();
  }

  public long bytesFromClients() {
    return bytesFromClients.sum();
  }

  public long datagramsToClients() {
    return datagramsToClients.sum();
  }

  public long bytesToClients() {
    return bytesToClients.sum();
  }

  /** How flows ended: {@code --} idle, {@code RD} evicted, {@code DD} left a down server. */
  public TerminationCounters terminations() {
    return terminations;
  }
}
