package io.sluice.admin;

import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * The process's own metrics: the JVM's standard set (memory, buffer pools, threads, classes, GC
 * collections, open files, CPU) and the garbage collector's pauses. One set per process, made when
 * the first admin listener starts and shared by any later one (after a takeover, in tests), since
 * the listeners they hang on the JVM live as long as the process.
 *
 * <p>Threads: made under the class's lock; the registry is read by admin loops.
 */
final class ProcessMetrics {
  private static PrometheusRegistry registry;

  private ProcessMetrics() {}

  static synchronized PrometheusRegistry registry() {
    if (registry == null) {
      PrometheusRegistry made = new PrometheusRegistry();
      JvmMetrics.builder().register(made);
      GcPauses.listen(made);
      registry = made;
    }
    return registry;
  }
}
