package io.sluice.observe;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * How many connections ended in each termination state, so that a rise of {@code SD} is visible at
 * a glance. Threads: any event loop increments; readers sum.
 */
public final class TerminationCounters {
  private final LongAdder[] counts = new LongAdder[TerminationState.values().length];

  public TerminationCounters() {
    for (int i = 0; i < counts.length; i++) {
      counts[i] = new LongAdder();
    }
  }

  public void count(TerminationState state) {
    counts[state.ordinal()].increment();
  }

  public long get(TerminationState state) {
    return counts[state.ordinal()].sum();
  }

  /** The non-zero counts, keyed by state. */
  public Map<TerminationState, Long> snapshot() {
    Map<TerminationState, Long> result = new EnumMap<>(TerminationState.class);
    for (TerminationState state : TerminationState.values()) {
      long count = get(state);
      if (count > 0) {
        result.put(state, count);
      }
    }
    return result;
  }
}
