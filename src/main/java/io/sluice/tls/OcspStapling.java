package io.sluice.tls;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps an OCSP response stapled to each certificate of a listener whose authority information
 * access names a responder: fetched when the certificate comes into service, again halfway between
 * the response's thisUpdate and nextUpdate (hourly when it has no nextUpdate). A failed fetch keeps
 * the last good response until its nextUpdate passes (a client refuses a stale one), is logged once
 * until a fetch succeeds again, counted, and retried with exponential back-off from 30 s to 1 h.
 *
 * <p>Threads: {@link #track} and {@link #refreshNow} are called by the control thread or a
 * certificate thread; fetches run on the listener's certificate threads. Every field is guarded by
 * this object's lock, which no fetch holds while it waits on the network.
 */
final class OcspStapling implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(OcspStapling.class);

  private static final Duration WITHOUT_NEXT_UPDATE = Duration.ofHours(1);
  private static final Duration FIRST_RETRY = Duration.ofSeconds(30);
  private static final Duration LAST_RETRY = Duration.ofHours(1);

  /** What one certificate's stapling is up to. */
  private static final class Tracked {
    final LiveCertificate certificate;
    final URI responder;
    ScheduledFuture<?> next;
    OcspClient.Answer good;
    int failures;

    Tracked(LiveCertificate certificate, URI responder) {
      this.certificate = certificate;
      this.responder = responder;
    }
  }

  private final String listener;
  private final ScheduledExecutorService threads;
  private final CertificateStats stats;
  private final Map<LiveCertificate, Tracked> tracked = new IdentityHashMap<>();
  private OcspClient client;
  private boolean closed;

  OcspStapling(String listener, ScheduledExecutorService threads, CertificateStats stats) {
    this.listener = listener;
    this.threads = threads;
    this.stats = stats;
  }

  /**
   * Staples for exactly {@code certificates} from now on: new ones are fetched at once, those no
   * longer served are forgotten.
   */
  synchronized void track(List<LiveCertificate> certificates) {
    if (closed) {
      return;
    }
    Map<LiveCertificate, Boolean> keep = new IdentityHashMap<>();
    for (LiveCertificate certificate : certificates) {
      keep.put(certificate, true);
      if (tracked.containsKey(certificate) || certificate.certificate().chain().size() < 2) {
        continue;
      }
      URI responder = OcspClient.responder(certificate.leaf());
      if (responder != null) {
        Tracked entry = new Tracked(certificate, responder);
        tracked.put(certificate, entry);
        schedule(entry, Duration.ZERO);
      }
    }
    tracked
        .entrySet()
        .removeIf(
            e -> {
              if (keep.containsKey(e.getKey())) {
                return false;
              }
              if (e.getValue().next != null) {
                e.getValue().next.cancel(false);
              }
              return true;
            });
  }

  /** Fetches every tracked certificate's status again now, as after a known revocation. */
  synchronized void refreshNow() {
    tracked.values().forEach(entry -> schedule(entry, Duration.ZERO));
  }

  /** How many certificates have a responder to ask. */
  synchronized int trackedCount() {
    return tracked.size();
  }

  private void schedule(Tracked entry, Duration delay) {
    if (closed) {
      return;
    }
    if (entry.next != null) {
      entry.next.cancel(false);
    }
    entry.next = threads.schedule(() -> fetch(entry), delay.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void fetch(Tracked entry) {
    X509Certificate leaf = entry.certificate.leaf();
    X509Certificate issuer = entry.certificate.certificate().chain().get(1);
    OcspClient.Answer answer;
    try {
      answer = client().fetch(entry.responder, leaf, issuer);
    } catch (IOException e) {
      failed(entry, e.getMessage());
      return;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    succeeded(entry, answer);
  }

  private synchronized void succeeded(Tracked entry, OcspClient.Answer answer) {
    if (tracked.get(entry.certificate) != entry) {
      return;
    }
    stats.countOcsp(true);
    entry.certificate.staple(answer.der());
    if (entry.failures > 0 || entry.good == null || !entry.good.status().equals(answer.status())) {
      (answer.status().equals("good") ? log.atInfo() : log.atWarn())
          .log(
              "listener {}: OCSP status of {} is {} (from {}), stapled",
              listener,
              subject(entry),
              answer.status(),
              entry.responder);
    }
    entry.good = answer;
    entry.failures = 0;
    schedule(entry, refreshDelay(answer, Instant.now()));
  }

  private synchronized void failed(Tracked entry, String reason) {
    if (tracked.get(entry.certificate) != entry) {
      return;
    }
    stats.countOcsp(false);
    if (entry.failures == 0) {
      log.warn(
          "listener {}: OCSP fetch for {} from {} failed, {}: {}",
          listener,
          subject(entry),
          entry.responder,
          entry.good == null ? "nothing stapled yet" : "keeping the last good response",
          reason);
    }
    entry.failures++;
    if (entry.good != null
        && entry.good.nextUpdate() != null
        && entry.good.nextUpdate().isBefore(Instant.now())) {
      entry.certificate.staple(null);
      entry.good = null;
      log.warn(
          "listener {}: OCSP response of {} expired, no longer stapled", listener, subject(entry));
    }
    schedule(entry, retryDelay(entry.failures));
  }

  /** Halfway to nextUpdate, so that one failed fetch still leaves time for retries. */
  static Duration refreshDelay(OcspClient.Answer answer, Instant now) {
    if (answer.nextUpdate() == null) {
      return WITHOUT_NEXT_UPDATE;
    }
    Duration validity = Duration.between(answer.thisUpdate(), answer.nextUpdate());
    Instant at = answer.thisUpdate().plus(validity.dividedBy(2));
    Duration delay = Duration.between(now, at);
    return delay.compareTo(FIRST_RETRY) < 0 ? FIRST_RETRY : delay;
  }

  static Duration retryDelay(int failures) {
    Duration delay = FIRST_RETRY.multipliedBy(1L << Math.min(failures - 1, 16));
    return delay.compareTo(LAST_RETRY) > 0 ? LAST_RETRY : delay;
  }

  private synchronized OcspClient client() {
    if (client == null) {
      client =
          new OcspClient(
              HttpClient.newBuilder()
                  .connectTimeout(Duration.ofSeconds(5))
                  .followRedirects(HttpClient.Redirect.NORMAL)
                  .proxy(HttpClient.Builder.NO_PROXY)
                  .build());
    }
    return client;
  }

  private static String subject(Tracked entry) {
    return entry.certificate.leaf().getSubjectX500Principal().getName();
  }

  @Override
  public synchronized void close() {
    closed = true;
    tracked
        .values()
        .forEach(
            entry -> {
              if (entry.next != null) {
                entry.next.cancel(false);
              }
            });
    tracked.clear();
  }
}
