package io.sluice.tls;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads of one listener's certificate upkeep: ACME orders (which wait on the CA for seconds)
 * and OCSP fetches, never on an event loop or the control thread. Two, so that an order waiting for
 * validation does not hold a stapled response past its refresh. The tasks are bounded by what
 * schedules them: one per certificate, plus the on-demand orders {@code max_pending} allows.
 */
final class CertificateThreads {
  private CertificateThreads() {}

  static ScheduledExecutorService start(String listener) {
    AtomicInteger count = new AtomicInteger();
    ScheduledThreadPoolExecutor threads =
        new ScheduledThreadPoolExecutor(
            2,
            job -> {
              Thread thread =
                  new Thread(
                      job, "sluice-certificates-" + listener + "-" + count.incrementAndGet());
              thread.setDaemon(true);
              return thread;
            });
    threads.setRemoveOnCancelPolicy(true);
    return threads;
  }
}
