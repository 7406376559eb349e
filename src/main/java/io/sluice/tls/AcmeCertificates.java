package io.sluice.tls;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.sluice.config.AcmeConfig;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A listener's certificates from ACME: the configured domains' at start (from storage when a valid
 * one is there, else ordered, while the self-signed fallback is served), renewed at {@code
 * renew_at} of their lifetime less a random jitter, and on-demand ones ordered at the first
 * handshake for an allowed name. A failed order is logged once per run of failures with the CA's
 * problem document, counted, and retried with exponential back-off; the certificate in service
 * stays in service until a new one is installed.
 *
 * <p>Threads: orders and file I/O on the listener's certificate threads (bounded: one task per
 * certificate, plus at most {@code on_demand.max_pending} new orders). {@link #onDemand} runs on
 * event loops and only reads concurrent maps, schedules on its own loop and submits a task. Each
 * {@link Managed} is changed only by the task of its certificate, one at a time.
 */
final class AcmeCertificates implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AcmeCertificates.class);

  /** Installs an obtained certificate in the listener's table. */
  interface Installer {
    LiveCertificate install(String id, ServerCertificate certificate) throws TlsSetupException;
  }

  /** One certificate kept current: its names, its back-off, and handshakes waiting for it. */
  private static final class Managed {
    final String id;
    final List<String> names;
    final boolean onDemand;
    final Queue<Promise<LiveCertificate>> waiting = new ConcurrentLinkedQueue<>();
    volatile LiveCertificate live;
    volatile ScheduledFuture<?> next;
    int failures;

    Managed(List<String> names, boolean onDemand) {
      this.id = names.get(0);
      this.names = List.copyOf(names);
      this.onDemand = onDemand;
    }
  }

  private final String listener;
  private final AcmeConfig config;
  private final AcmeStorage storage;
  private final AcmeClient client;
  private final Installer installer;
  private final ScheduledExecutorService threads;
  private final CertificateStats stats;
  private final OnDemandGate gate;
  private final Map<String, Managed> managed = new ConcurrentHashMap<>();
  private volatile boolean closed;

  AcmeCertificates(
      String listener,
      AcmeConfig config,
      AcmeChallenges challenges,
      Installer installer,
      ScheduledExecutorService threads,
      CertificateStats stats)
      throws TlsSetupException {
    this.listener = listener;
    this.config = config;
    this.storage = new AcmeStorage(Path.of(config.storage()));
    this.client = new AcmeClient(config, storage, challenges);
    this.installer = installer;
    this.threads = threads;
    this.stats = stats;
    this.gate = config.onDemand() == null ? null : new OnDemandGate(config.onDemand());
  }

  /**
   * Serves the stored certificate of the configured domains now when it is still valid, and
   * schedules its renewal, or its first order at once.
   */
  void start() {
    if (config.domains().isEmpty()) {
      return;
    }
    Managed certificate = new Managed(config.domains(), false);
    managed.put(certificate.id, certificate);
    Duration delay = Duration.ZERO;
    if (loadStored(certificate)) {
      delay = untilRenewal(certificate.live.leaf(), Instant.now());
      log.info(
          "listener {}: serving the stored certificate for {}, renewal in {}",
          listener,
          certificate.names,
          delay);
    }
    schedule(certificate, delay);
  }

  /**
   * The certificate for {@code hostname}, which no certificate of the table names: ordered when on
   * demand allows it, waited for at most {@code on_demand.wait}; else {@code fallback} at once.
   * Event loop only; takes no lock.
   */
  Future<LiveCertificate> onDemand(String hostname, EventExecutor loop, LiveCertificate fallback) {
    if (gate == null || hostname == null || closed || !gate.allows(hostname)) {
      return loop.newSucceededFuture(fallback);
    }
    Managed certificate = managed.get(hostname);
    if (certificate != null && certificate.live != null) {
      return loop.newSucceededFuture(certificate.live);
    }
    if (certificate == null) {
      if (!gate.reservePending()) {
        return loop.newSucceededFuture(fallback);
      }
      if (!gate.takeRate()) {
        gate.releasePending();
        return loop.newSucceededFuture(fallback);
      }
      Managed fresh = new Managed(List.of(hostname), true);
      certificate = managed.putIfAbsent(hostname, fresh);
      if (certificate == null) {
        certificate = fresh;
        threads.execute(() -> firstOnDemand(fresh));
      } else {
        gate.releasePending();
      }
    }
    Promise<LiveCertificate> promise = loop.newPromise();
    certificate.waiting.add(promise);
    if (certificate.live != null) {
      promise.trySuccess(certificate.live);
    }
    io.netty.util.concurrent.ScheduledFuture<?> timer =
        loop.schedule(() -> promise.trySuccess(fallback), gate.waitMillis(), TimeUnit.MILLISECONDS);
    promise.addListener(done -> timer.cancel(false));
    return promise;
  }

  /** An on-demand name's first task: the stored certificate if valid, else ask and order. */
  private void firstOnDemand(Managed certificate) {
    try {
      obtainOnDemand(certificate);
    } finally {
      gate.releasePending();
    }
  }

  private void obtainOnDemand(Managed certificate) {
    if (loadStored(certificate)) {
      release(certificate);
      schedule(certificate, untilRenewal(certificate.live.leaf(), Instant.now()));
      return;
    }
    String refusal = gate.ask(certificate.id);
    if (refusal != null) {
      log.info("listener {}: no certificate ordered for {}: {}", listener, certificate.id, refusal);
      managed.remove(certificate.id, certificate);
      certificate.waiting.clear();
      return;
    }
    renew(certificate);
    if (certificate.live == null) {
      // A first order that failed is not retried by itself: the next handshake asks again, within
      // the rate limit, rather than a name nobody uses holding a slot.
      managed.remove(certificate.id, certificate);
      certificate.waiting.clear();
    }
  }

  private boolean loadStored(Managed certificate) {
    try {
      ServerCertificate stored = storage.load(certificate.id, certificate.names);
      if (stored == null || !covers(stored, certificate.names) || expired(stored.leaf())) {
        return false;
      }
      certificate.live = installer.install(certificate.id, stored);
      return true;
    } catch (TlsSetupException e) {
      log.warn(
          "listener {}: the stored certificate for {} is not usable, ordering a new one: {}",
          listener,
          certificate.names,
          e.getMessage());
      return false;
    }
  }

  private void schedule(Managed certificate, Duration delay) {
    if (closed) {
      return;
    }
    certificate.next =
        threads.schedule(() -> renew(certificate), delay.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Orders, stores and installs a certificate; on failure keeps the old one and backs off. */
  private void renew(Managed certificate) {
    if (closed) {
      return;
    }
    ServerCertificate obtained;
    try {
      obtained = client.order(certificate.names);
      storage.store(certificate.id, obtained);
      certificate.live = installer.install(certificate.id, obtained);
    } catch (AcmeClient.OrderFailure | java.io.IOException | TlsSetupException e) {
      failed(certificate, e.getMessage());
      return;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    stats.countOrder(true);
    release(certificate);
    Duration next = untilRenewal(certificate.live.leaf(), Instant.now());
    log.info(
        "listener {}: certificate for {} obtained{}, valid until {}, renewal in {}",
        listener,
        certificate.names,
        certificate.failures > 0 ? " after " + certificate.failures + " failed attempts" : "",
        certificate.live.leaf().getNotAfter().toInstant(),
        next);
    certificate.failures = 0;
    schedule(certificate, next);
  }

  private void failed(Managed certificate, String reason) {
    stats.countOrder(false);
    certificate.failures++;
    Duration retry = retryDelay(certificate.failures);
    if (certificate.failures == 1) {
      log.warn(
          "listener {}: ordering a certificate for {} failed ({}); retrying in {}, then backing"
              + " off up to {}: {}",
          listener,
          certificate.names,
          certificate.live == null
              ? "the fallback is served meanwhile"
              : "the current certificate stays in service",
          retry,
          config.retryMax(),
          reason);
    }
    if (certificate.onDemand && certificate.live == null) {
      return;
    }
    schedule(certificate, retry);
  }

  private void release(Managed certificate) {
    Promise<LiveCertificate> waiting;
    while ((waiting = certificate.waiting.poll()) != null) {
      waiting.trySuccess(certificate.live);
    }
  }

  Duration retryDelay(int failures) {
    Duration delay = config.retryMin().multipliedBy(1L << Math.min(failures - 1, 20));
    return delay.compareTo(config.retryMax()) > 0 ? config.retryMax() : delay;
  }

  /** From now to {@code renew_at} of the lifetime, less up to {@code renew_jitter} of it. */
  Duration untilRenewal(X509Certificate leaf, Instant now) {
    Instant notBefore = leaf.getNotBefore().toInstant();
    Duration lifetime = Duration.between(notBefore, leaf.getNotAfter().toInstant());
    long lifetimeMillis = lifetime.toMillis();
    long at = (long) (lifetimeMillis * config.renewAt().fraction());
    long jitter = (long) (lifetimeMillis * config.renewJitter().fraction());
    if (jitter > 0) {
      at -= ThreadLocalRandom.current().nextLong(jitter + 1);
    }
    Duration delay = Duration.between(now, notBefore.plusMillis(at));
    return delay.isNegative() ? Duration.ZERO : delay;
  }

  private static boolean covers(ServerCertificate stored, List<String> names)
      throws TlsSetupException {
    List<String> served = CertificateStore.namesOf(stored.leaf());
    for (String name : names) {
      if (!served.contains(name)) {
        return false;
      }
    }
    return true;
  }

  private static boolean expired(X509Certificate leaf) {
    return leaf.getNotAfter().toInstant().isBefore(Instant.now());
  }

  @Override
  public void close() {
    closed = true;
    for (Managed certificate : managed.values()) {
      ScheduledFuture<?> next = certificate.next;
      if (next != null) {
        next.cancel(false);
      }
    }
  }
}
