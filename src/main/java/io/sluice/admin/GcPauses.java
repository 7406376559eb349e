package io.sluice.admin;

import com.sun.management.GarbageCollectionNotificationInfo;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.function.LongSupplier;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * The garbage collector's stop-the-world pauses, from the JVM's notifications: a histogram of their
 * lengths and the longest of the last minute.
 *
 * <p>Only pauses count. ZGC and Shenandoah report their concurrent cycles on collectors of their
 * own ({@code ZGC Cycles}, {@code ZGC Major Cycles}, {@code Shenandoah Cycles}, action {@code end
 * of GC cycle}), which run beside the application and stop nothing; their pauses come on the {@code
 * ... Pauses} collectors. G1's, Parallel's and Serial's collections are pauses, as are the remark
 * and cleanup pauses G1 reports on {@code G1 Concurrent GC} (JDK 20 and later).
 *
 * <p>The JVM reports each pause's length in whole milliseconds: a ZGC pause, typically tens of
 * microseconds, counts as 0 and lands in the first bucket, so its count says how many pauses there
 * were and the buckets above say when one took a millisecond or more.
 *
 * <p>Threads: the JVM's notification thread records; the admin loop reads.
 */
final class GcPauses implements NotificationListener {
  /**
   * Millisecond resolution: the first bucket holds the pauses reported as 0 ms, then a 1-2-5 series
   * to 10 s.
   */
  private static final double[] BOUNDS_SECONDS = {
    0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10
  };

  private final Histogram pauses;
  private final RecentMax recent;

  private GcPauses(Histogram pauses, RecentMax recent) {
    this.pauses = pauses;
    this.recent = recent;
  }

  /** Registers the metrics in {@code registry} and starts listening to every collector. */
  static GcPauses listen(PrometheusRegistry registry) {
    Histogram pauses =
        Histogram.builder()
            .name("sluice_gc_pause_seconds")
            .help("Stop-the-world pauses of the garbage collector (millisecond resolution)")
            .classicOnly()
            .classicUpperBounds(BOUNDS_SECONDS)
            .withoutExemplars()
            .register(registry);
    RecentMax recent = new RecentMax(System::currentTimeMillis);
    GaugeWithCallback.builder()
        .name("sluice_gc_pause_max_seconds")
        .help("The longest garbage-collector pause of the last minute")
        .callback(callback -> callback.call(recent.max() / 1000.0))
        .register(registry);
    GcPauses listener = new GcPauses(pauses, recent);
    for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
      if (collector instanceof NotificationEmitter emitter) {
        emitter.addNotificationListener(listener, null, null);
      }
    }
    return listener;
  }

  @Override
  public void handleNotification(Notification notification, Object handback) {
    if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(
        notification.getType())) {
      return;
    }
    GarbageCollectionNotificationInfo info =
        GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData());
    if (isPause(info.getGcName(), info.getGcAction())) {
      long millis = info.getGcInfo().getDuration();
      pauses.observe(millis / 1000.0);
      recent.record(millis);
    }
  }

  /** Whether a collection the JVM reported stopped the application, by collector and action. */
  static boolean isPause(String collector, String action) {
    return !collector.endsWith("Cycles") && !"end of GC cycle".equals(action);
  }

  /**
   * The largest value of the last minute, kept in six ten-second slots: a slot older than a minute
   * is ignored, and reused when its turn comes again. Synchronized: only the notification thread
   * records and the admin loop reads, never a traffic loop.
   */
  static final class RecentMax {
    private static final long SLOT_MILLIS = 10_000;
    private static final int SLOTS = 6;

    private final LongSupplier clock;
    private final long[] period = new long[SLOTS];
    private final long[] max = new long[SLOTS];

    RecentMax(LongSupplier clockMillis) {
      this.clock = clockMillis;
      java.util.Arrays.fill(period, -SLOTS);
    }

    synchronized void record(long value) {
      long now = clock.getAsLong() / SLOT_MILLIS;
      int slot = (int) (now % SLOTS);
      if (period[slot] != now) {
        period[slot] = now;
        max[slot] = value;
      } else {
        max[slot] = Math.max(max[slot], value);
      }
    }

    synchronized long max() {
      long now = clock.getAsLong() / SLOT_MILLIS;
      long largest = 0;
      for (int slot = 0; slot < SLOTS; slot++) {
        if (now - period[slot] < SLOTS) {
          largest = Math.max(largest, max[slot]);
        }
      }
      return largest;
    }
  }
}
