package io.sluice.runtime;

import io.netty.util.NetUtil;
import io.sluice.config.AddressFamily;
import io.sluice.config.DnsConfig;
import io.sluice.config.PoolConfig;
import io.sluice.config.ServerConfig;
import io.sluice.net.DnsAnswer;
import io.sluice.observe.LiveView;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicLongArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@code dns} or {@code dns_srv} entry of one pool and the last good set of addresses it
 * resolved to. Guarantees: a resolution that fails, times out or comes back empty never changes the
 * set (a pool is never emptied by DNS); the set is sorted by address and holds at most {@code
 * max_addresses}; each change of state (resolving, failing and why, truncated) is logged once.
 *
 * <p>Threads: {@link #accept} and the scheduling fields belong to the thread that applies
 * configurations (the control thread once started); the admin thread reads {@link #view} through
 * the volatile snapshot fields and the counters.
 */
final class DnsEntry {
  private static final Logger log = LoggerFactory.getLogger(DnsEntry.class);

  private static final long NEVER = Long.MIN_VALUE;

  /**
   * What a resolution depends on: an entry whose key stays across a reload keeps its addresses and
   * figures; its other settings (weight, limits) apply to its servers at once.
   */
  record Key(
      String pool,
      String dns,
      String dnsSrv,
      Integer port,
      AddressFamily family,
      int maxAddresses) {
    static Key of(PoolConfig pool, ServerConfig server, DnsConfig dns) {
      return new Key(
          pool.name(),
          server.dns(),
          server.dnsSrv(),
          server.port(),
          server.family(),
          dns.maxAddresses(pool));
    }

    boolean isService() {
      return dnsSrv != null;
    }

    /** {@code NAME:PORT} or the SRV name, as logs, metrics and the view name the entry. */
    String label() {
      return dnsSrv != null ? dnsSrv : dns + ":" + port;
    }
  }

  /** What an answer did: whether the servers changed, and when to ask again. */
  record Update(boolean changed, Duration nextIn) {}

  private final Key key;
  private final long startedNanos;
  private final AtomicLongArray results = new AtomicLongArray(DnsAnswer.Outcome.values().length);
  private Duration interval;
  private Duration minInterval;
  private int consecutiveFailures;
  private boolean truncated;
  private boolean retired;

  /** The next resolution, once scheduled; cancelled when the entry is retired. */
  ScheduledFuture<?> next;

  /** The last good set, sorted; replaced whole, read by the admin thread. */
  private volatile List<DnsAnswer.Target> targets = List.of();

  /** The last answer's outcome, {@code null} before the first. */
  private volatile DnsAnswer.Outcome lastOutcome;

  /** When the last success or failure was; {@link #NEVER} before the first. */
  private volatile long lastSuccessNanos = NEVER;

  private volatile String lastError;
  private volatile long lastErrorNanos = NEVER;

  DnsEntry(Key key, Duration interval, Duration minInterval, long nowNanos) {
    this.key = key;
    this.interval = interval;
    this.minInterval = minInterval;
    this.startedNanos = nowNanos;
  }

  Key key() {
    return key;
  }

  /** The addresses servers are made of now: the last good set. */
  List<DnsAnswer.Target> targets() {
    return targets;
  }

  /** A reload kept the entry with other intervals: they apply from the next resolution. */
  void intervals(Duration interval, Duration minInterval) {
    this.interval = interval;
    this.minInterval = minInterval;
  }

  /** The entry left the configuration: answers still in flight are ignored. */
  void retire() {
    retired = true;
    if (next != null) {
      next.cancel(false);
    }
  }

  boolean retired() {
    return retired;
  }

  /**
   * Takes one answer in: a success with other addresses replaces the set; anything else keeps it.
   * Logs what changed, once per change of state.
   */
  Update accept(DnsAnswer answer, long nowNanos) {
    results.incrementAndGet(answer.outcome().ordinal());
    DnsAnswer.Outcome previous = lastOutcome;
    lastOutcome = answer.outcome();
    if (answer.outcome() != DnsAnswer.Outcome.SUCCESS) {
      return failed(answer, previous, nowNanos);
    }
    consecutiveFailures = 0;
    lastSuccessNanos = nowNanos;
    List<DnsAnswer.Target> all = sorted(answer.targets(), key.isService());
    List<DnsAnswer.Target> kept =
        all.size() > key.maxAddresses() ? all.subList(0, key.maxAddresses()) : all;
    logTruncation(all.size());
    List<DnsAnswer.Target> before = targets;
    boolean changed = !before.equals(kept);
    if (changed) {
      targets = List.copyOf(kept);
      logChange(before, kept, answer.ttlSeconds());
    } else if (previous != null && previous != DnsAnswer.Outcome.SUCCESS) {
      log.info(
          "pool {}: {} resolves again, to the same {}",
          key.pool(),
          key.label(),
          addresses(targets.size()));
    }
    return new Update(changed, clamp(Duration.ofSeconds(answer.ttlSeconds())));
  }

  private Update failed(DnsAnswer answer, DnsAnswer.Outcome previous, long nowNanos) {
    consecutiveFailures++;
    lastError = answer.outcome().label() + ": " + answer.error();
    lastErrorNanos = nowNanos;
    Duration retry = retryDelay();
    if (previous != answer.outcome()) {
      log.warn(
          "pool {}: resolving {} failed ({}); {}, asking again in {} ms",
          key.pool(),
          key.label(),
          lastError,
          targets.isEmpty()
              ? "no servers from it yet"
              : "its " + targets.size() + " servers stay as they were",
          retry.toMillis());
    }
    return new Update(false, retry);
  }

  /**
   * After failures the next try comes at the floor, doubling up to the interval: an outage is
   * noticed as soon as it ends without hammering a struggling name server.
   */
  private Duration retryDelay() {
    long millis = minInterval.toMillis() << Math.min(consecutiveFailures - 1, 20);
    return Duration.ofMillis(Math.min(millis, interval.toMillis()));
  }

  /** The TTL, floored at {@code resolve_min_interval} and capped at {@code resolve_interval}. */
  Duration clamp(Duration ttl) {
    if (ttl.compareTo(minInterval) < 0) {
      return minInterval;
    }
    return ttl.compareTo(interval) > 0 ? interval : ttl;
  }

  private void logTruncation(int found) {
    boolean now = found > key.maxAddresses();
    if (now && !truncated) {
      log.warn(
          "pool {}: {} has {} addresses, more than max_addresses: the first {} in address order"
              + " are used",
          key.pool(),
          key.label(),
          found,
          key.maxAddresses());
    }
    truncated = now;
  }

  private void logChange(List<DnsAnswer.Target> before, List<DnsAnswer.Target> after, long ttl) {
    List<String> changes = new ArrayList<>();
    Map<String, DnsAnswer.Target> old = byAddress(before);
    Map<String, DnsAnswer.Target> now = byAddress(after);
    now.forEach(
        (address, target) -> {
          DnsAnswer.Target was = old.get(address);
          if (was == null) {
            changes.add("+" + address);
          } else if (was.weight() != target.weight()) {
            changes.add("~" + address + " weight " + target.weight());
          }
        });
    old.keySet().stream().filter(a -> !now.containsKey(a)).forEach(a -> changes.add("-" + a));
    log.info(
        "pool {}: {} resolves to {} (ttl {}s): {}",
        key.pool(),
        key.label(),
        addresses(after.size()),
        ttl,
        String.join(" ", changes));
  }

  private static Map<String, DnsAnswer.Target> byAddress(List<DnsAnswer.Target> targets) {
    Map<String, DnsAnswer.Target> map = new LinkedHashMap<>();
    targets.forEach(t -> map.put(t.address(), t));
    return map;
  }

  /**
   * One target per address, sorted by address bytes (IPv4 first) and port, so that the set and the
   * pool's order do not depend on the order of the records. For SRV, duplicates add their weights
   * and the weights are scaled to servers' 1 to 256 ({@link #serverWeights}).
   */
  static List<DnsAnswer.Target> sorted(List<DnsAnswer.Target> targets, boolean service) {
    Map<String, DnsAnswer.Target> unique = new LinkedHashMap<>();
    for (DnsAnswer.Target target : targets) {
      unique.merge(
          target.address(),
          target,
          (a, b) -> new DnsAnswer.Target(a.host(), a.ip(), a.port(), a.weight() + b.weight()));
    }
    List<DnsAnswer.Target> list = new ArrayList<>(unique.values());
    list.sort(
        Comparator.comparing(
                (DnsAnswer.Target t) -> NetUtil.createByteArrayFromIpAddressString(t.ip()),
                DnsEntry::compareAddresses)
            .thenComparingInt(DnsAnswer.Target::port));
    if (!service) {
      return list;
    }
    int[] raw = list.stream().mapToInt(DnsAnswer.Target::weight).toArray();
    int[] weights = serverWeights(raw);
    List<DnsAnswer.Target> weighted = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      DnsAnswer.Target t = list.get(i);
      weighted.add(new DnsAnswer.Target(t.host(), t.ip(), t.port(), weights[i]));
    }
    return weighted;
  }

  private static int compareAddresses(byte[] a, byte[] b) {
    return a.length != b.length
        ? Integer.compare(a.length, b.length)
        : Arrays.compareUnsigned(a, b);
  }

  /**
   * SRV weights (0 to 65535, RFC 2782) as server weights (1 to 256): as they are when they fit,
   * with 0 as 1 (the RFC's "very small chance"); scaled down in proportion when the largest is
   * above 256, none below 1. Kubernetes and Consul give small weights, which keep their exact
   * ratios.
   */
  static int[] serverWeights(int[] srvWeights) {
    int max = 0;
    for (int weight : srvWeights) {
      max = Math.max(max, weight);
    }
    int[] weights = new int[srvWeights.length];
    for (int i = 0; i < srvWeights.length; i++) {
      long scaled =
          max <= 256 ? srvWeights[i] : Math.round((double) srvWeights[i] * 256 / (double) max);
      weights[i] = (int) Math.max(1, Math.min(256, scaled));
    }
    return weights;
  }

  private static String addresses(int count) {
    return count == 1 ? "1 address" : count + " addresses";
  }

  /** The entry as the live view shows it, read on the admin thread. */
  LiveView.DnsLoad view(long nowNanos) {
    List<String> addresses = new ArrayList<>();
    for (DnsAnswer.Target target : targets) {
      addresses.add(target.address());
    }
    Map<String, Long> counts = new LinkedHashMap<>();
    for (DnsAnswer.Outcome outcome : DnsAnswer.Outcome.values()) {
      counts.put(outcome.label(), results.get(outcome.ordinal()));
    }
    long success = lastSuccessNanos;
    long error = lastErrorNanos;
    DnsAnswer.Outcome outcome = lastOutcome;
    return new LiveView.DnsLoad(
        key.label(),
        key.isService() ? "dns_srv" : "dns",
        addresses,
        outcome == null ? "pending" : outcome.label(),
        success != NEVER,
        (nowNanos - (success != NEVER ? success : startedNanos)) / 1_000_000,
        lastError,
        error == NEVER ? -1 : (nowNanos - error) / 1_000_000,
        counts);
  }

  @Override
  public String toString() {
    return key.pool() + "/" + key.label();
  }
}
