package io.sluice.net;

import io.sluice.admission.BufferMemory;
import io.sluice.admission.ConnectionLimit;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The process-wide connection limit and the gates it pauses: when it is reached every listener
 * stops accepting, and the close that brings it back under wakes them all. Beside it, the budget of
 * buffer memory that every listener checks before it takes on new work.
 *
 * <p>Threads: any event loop; gates are added by the control thread at bind time.
 */
public final class ProcessAdmission {
  private final ConnectionLimit connections;
  private final LoopLoad loopLoad;
  private final BufferMemory memory;
  private final List<AcceptGate> gates = new CopyOnWriteArrayList<>();

  public ProcessAdmission(int maxConnections, LoopLoad loopLoad, BufferMemory memory) {
    this.connections = new ConnectionLimit(maxConnections);
    this.loopLoad = loopLoad;
    this.memory = memory;
  }

  /** The process-wide budget of buffer memory. */
  public BufferMemory memory() {
    return memory;
  }

  public ConnectionLimit connections() {
    return connections;
  }

  LoopLoad loopLoad() {
    return loopLoad;
  }

  void register(AcceptGate gate) {
    gates.add(gate);
  }

  void unregister(AcceptGate gate) {
    gates.remove(gate);
  }

  /** A connection closed and the process left its limit: every paused listener may resume. */
  void wakeAll() {
    for (AcceptGate gate : gates) {
      gate.recheck();
    }
  }
}
