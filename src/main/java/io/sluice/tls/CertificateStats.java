package io.sluice.tls;

import java.util.concurrent.atomic.LongAdder;

/**
 * A listener's certificate upkeep since start: ACME orders and OCSP fetches by outcome.
 *
 * <p>Threads: written by the listener's certificate threads, read by the metrics scrape.
 */
public final class CertificateStats {
  private final LongAdder ordersSucceeded = new LongAdder();
  private final LongAdder ordersFailed = new LongAdder();
  private final LongAdder ocspSucceeded = new LongAdder();
  private final LongAdder ocspFailed = new LongAdder();

  void countOrder(boolean succeeded) {
    (succeeded ? ordersSucceeded : ordersFailed).increment();
  }

  void countOcsp(boolean succeeded) {
    (succeeded ? ocspSucceeded : ocspFailed).increment();
  }

  /** ACME orders that ended with a certificate installed. */
  public long ordersSucceeded() {
    return ordersSucceeded.sum();
  }

  /** ACME orders that failed (refused, invalid challenge, CA unreachable, timed out). */
  public long ordersFailed() {
    return ordersFailed.sum();
  }

  /** OCSP responses fetched, checked and stapled. */
  public long ocspSucceeded() {
    return ocspSucceeded.sum();
  }

  /** OCSP fetches that failed (responder unreachable, error status, bad signature). */
  public long ocspFailed() {
    return ocspFailed.sum();
  }
}
