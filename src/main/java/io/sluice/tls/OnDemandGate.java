package io.sluice.tls;

import io.sluice.config.AcmeConfig;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Who may have a certificate ordered on demand, and how many at once: the {@code allow} list
 * (checked on the event loop: two hash lookups), the orders in progress ({@code max_pending}), the
 * rate of new names (a token bucket kept as one atomic "theoretical arrival time", so event loops
 * take no lock), and the {@code ask} URL (asked on a certificate thread, before the order).
 *
 * <p>Threads: {@link #allows}, {@link #reservePending} and {@link #takeRate} on event loops, {@link
 * #ask} and {@link #releasePending} on certificate threads; the state is atomic.
 */
final class OnDemandGate {
  private static final Duration ASK_TIMEOUT = Duration.ofSeconds(3);

  private final Set<String> exact = new HashSet<>();
  private final Set<String> wildcardParents = new HashSet<>();
  private final URI ask;
  private final long waitMillis;
  private final int maxPending;
  private final long intervalNanos;
  private final long burstNanos;
  private final AtomicInteger pending = new AtomicInteger();
  private final AtomicLong arrival = new AtomicLong(System.nanoTime());
  private HttpClient http;

  OnDemandGate(AcmeConfig.OnDemandConfig config) {
    for (String name : config.allow()) {
      String lower = SniTable.normalize(name);
      if (lower.startsWith("*.")) {
        wildcardParents.add(lower.substring(2));
      } else {
        exact.add(lower);
      }
    }
    this.ask = config.ask() == null ? null : URI.create(config.ask());
    this.waitMillis = config.handshakeWait().toMillis();
    this.maxPending = config.maxPending();
    this.intervalNanos = Math.max(1, config.rate().per().toNanos() / config.rate().count());
    this.burstNanos = config.rate().per().toNanos();
  }

  /** Whether {@code hostname} (lower case) is on the allow list. */
  boolean allows(String hostname) {
    if (exact.contains(hostname)) {
      return true;
    }
    int dot = hostname.indexOf('.');
    return dot > 0 && wildcardParents.contains(hostname.substring(dot + 1));
  }

  /** Takes one of {@code max_pending} slots; {@code false} when all are taken. */
  boolean reservePending() {
    int now;
    do {
      now = pending.get();
      if (now >= maxPending) {
        return false;
      }
    } while (!pending.compareAndSet(now, now + 1));
    return true;
  }

  void releasePending() {
    pending.decrementAndGet();
  }

  /** One new name within {@code rate}; {@code false} when the bucket is empty. */
  boolean takeRate() {
    long now = System.nanoTime();
    long before;
    long after;
    do {
      before = arrival.get();
      long due = before - now > 0 ? before : now;
      if (due - now > burstNanos - intervalNanos) {
        return false;
      }
      after = due + intervalNanos;
    } while (!arrival.compareAndSet(before, after));
    return true;
  }

  long waitMillis() {
    return waitMillis;
  }

  /**
   * Asks {@code ask?domain=NAME}: {@code null} when it answered 200 (or no URL is set), else why
   * not. Blocking, three seconds at most.
   */
  String ask(String hostname) {
    if (ask == null) {
      return null;
    }
    String separator = ask.getRawQuery() == null ? "?" : "&";
    URI uri =
        URI.create(
            ask + separator + "domain=" + URLEncoder.encode(hostname, StandardCharsets.UTF_8));
    try {
      HttpResponse<Void> response =
          client()
              .send(
                  HttpRequest.newBuilder(uri).timeout(ASK_TIMEOUT).GET().build(),
                  HttpResponse.BodyHandlers.discarding());
      return response.statusCode() == 200 ? null : uri + " answered " + response.statusCode();
    } catch (IOException e) {
      return "asking " + uri + " failed: " + e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }

  private synchronized HttpClient client() {
    if (http == null) {
      http =
          HttpClient.newBuilder()
              .connectTimeout(ASK_TIMEOUT)
              .proxy(HttpClient.Builder.NO_PROXY)
              .build();
    }
    return http;
  }
}
