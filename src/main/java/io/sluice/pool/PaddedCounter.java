package io.sluice.pool;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * An int counter alone on its cache line(s): every event loop updates a server's count of active
 * connections, and two servers' counters sharing a 64-byte line would make cores invalidate each
 * other on every connect (false sharing). The padding is by inheritance, which HotSpot lays out
 * superclass first, as the Disruptor and Agrona do; 128 bytes each side covers adjacent-line
 * prefetch.
 *
 * <p>Threads: any; updates are compare-and-set or atomic adds on {@code value}.
 */
public final class PaddedCounter extends PaddedCounterValue {
  @SuppressWarnings("unused")
  private long p10, p11, p12, p13, p14, p15, p16, p17, p18, p19, p20, p21, p22, p23, p24, p25;

  private static final VarHandle VALUE;

  static {
    try {
      VALUE = MethodHandles.lookup().findVarHandle(PaddedCounterValue.class, "value", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  public int get() {
    return value;
  }

  public boolean compareAndSet(int expected, int next) {
    return VALUE.compareAndSet(this, expected, next);
  }

  public int incrementAndGet() {
    return (int) VALUE.getAndAdd(this, 1) + 1;
  }

  public int decrementAndGet() {
    return (int) VALUE.getAndAdd(this, -1) - 1;
  }
}

/** The counter's field, after the left padding. */
abstract class PaddedCounterValue extends PaddedCounterLeft {
  volatile int value;
}

/** Padding before the counter's field. */
abstract class PaddedCounterLeft {
  @SuppressWarnings("unused")
  private long p0, p1, p2, p3, p4, p5, p6, p7, p8, p9, pa, pb, pc, pd, pe, pf;
}
