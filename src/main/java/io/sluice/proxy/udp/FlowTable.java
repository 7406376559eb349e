package io.sluice.proxy.udp;

import java.util.HashMap;
import java.util.Map;

/**
 * The flows of one listener, by key, and in order of their last activity: the head is the flow idle
 * the longest, the first to expire and the first to be evicted when the table is full. A lookup
 * allocates nothing; touching a flow moves it to the tail in constant time.
 *
 * <p>Threads: owned by the listener's event loop.
 */
final class FlowTable {
  private final Map<Object, Flow> byKey;
  private final int max;
  private Flow oldest;
  private Flow newest;

  FlowTable(int max) {
    this.max = max;
    // Sized for up to 65,536 flows without rehashing; a larger table grows as it fills.
    this.byKey = new HashMap<>(Math.min(max, 1 << 16) * 4 / 3 + 1);
  }

  Flow get(Object key) {
    return byKey.get(key);
  }

  boolean isFull() {
    return byKey.size() >= max;
  }

  int size() {
    return byKey.size();
  }

  void add(Flow flow) {
    byKey.put(flow.key, flow);
    append(flow);
  }

  /** Marks {@code flow} the most recently active. */
  void touch(Flow flow, long nowNanos) {
    flow.lastActiveNanos = nowNanos;
    if (flow != newest) {
      unlink(flow);
      append(flow);
    }
  }

  /** The flow idle the longest, or null. */
  Flow oldest() {
    return oldest;
  }

  void remove(Flow flow) {
    if (byKey.remove(flow.key) == flow) {
      unlink(flow);
    }
  }

  private void append(Flow flow) {
    flow.older = newest;
    flow.newer = null;
    if (newest != null) {
      newest.newer = flow;
    } else {
      oldest = flow;
    }
    newest = flow;
  }

  private void unlink(Flow flow) {
    if (flow.older != null) {
      flow.older.newer = flow.newer;
    } else {
      oldest = flow.newer;
    }
    if (flow.newer != null) {
      flow.newer.older = flow.older;
    } else {
      newest = flow.older;
    }
    flow.older = null;
    flow.newer = null;
  }
}
