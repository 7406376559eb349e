package io.sluice.health;

import io.netty.channel.EventLoop;
import io.sluice.config.OutlierConfig;
import io.sluice.pool.Pool;
import io.sluice.pool.Server;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Passive health from live traffic (Envoy's outlier detection): a server whose connections fail
 * {@code consecutive_failures} times in a row is ejected for a time that doubles with each
 * ejection, up to {@code max_ejection}, but never so many servers that more than {@code
 * max_ejected} of the pool is out. When its time is up the server returns half-open: its next
 * connection is a trial, and one more failure ejects it again at once, while a success forgives its
 * past ejections.
 *
 * <p>Threads: event loops report outcomes (lock-free: atomics only); the health loop runs the
 * timers that bring servers back.
 */
final class OutlierDetector implements Server.OutcomeListener {
  private static final Logger log = LoggerFactory.getLogger(OutlierDetector.class);

  private final Pool pool;
  private final OutlierConfig config;
  private final EventLoop healthLoop;
  private final AtomicInteger ejectedNow = new AtomicInteger();
  private final Map<Server, Ejections> ejections = new ConcurrentHashMap<>();

  /** One server's ejection record. */
  private static final class Ejections {
    final AtomicBoolean out = new AtomicBoolean();
    final AtomicBoolean halfOpen = new AtomicBoolean();
    final AtomicInteger count = new AtomicInteger();
  }

  OutlierDetector(Pool pool, OutlierConfig config, EventLoop healthLoop) {
    this.pool = pool;
    this.config = config;
    this.healthLoop = healthLoop;
    for (Server server : pool.servers()) {
      ejections.put(server, new Ejections());
      server.outcomeListener(this);
    }
  }

  @Override
  public void failed(Server server, int consecutiveFailures) {
    Ejections record = ejections.get(server);
    boolean trialFailed = record.halfOpen.getAndSet(false);
    if (trialFailed || consecutiveFailures >= config.consecutiveFailures()) {
      eject(
          server,
          record,
          trialFailed
              ? "its trial connection failed"
              : consecutiveFailures + " consecutive failures");
    }
  }

  @Override
  public void succeeded(Server server) {
    Ejections record = ejections.get(server);
    if (record.halfOpen.getAndSet(false)) {
      record.count.set(0);
      log.info("server {} of pool {} passed its trial after ejection", server.name(), pool.name());
    }
  }

  private void eject(Server server, Ejections record, String why) {
    int max = (int) Math.floor(pool.servers().size() * config.maxEjected().fraction());
    while (true) {
      int now = ejectedNow.get();
      if (now >= max) {
        return;
      }
      if (ejectedNow.compareAndSet(now, now + 1)) {
        break;
      }
    }
    if (!record.out.compareAndSet(false, true)) {
      ejectedNow.decrementAndGet();
      return;
    }
    int times = record.count.incrementAndGet();
    long nanos =
        Math.min(
            config.baseEjection().toNanos() << Math.min(times - 1, 20),
            config.maxEjection().toNanos());
    server.ejected(true);
    log.warn(
        "server {} of pool {} ejected for {} ms after {} (ejection {})",
        server.name(),
        pool.name(),
        TimeUnit.NANOSECONDS.toMillis(nanos),
        why,
        times);
    healthLoop.schedule(() -> readmit(server, record), nanos, TimeUnit.NANOSECONDS);
  }

  private void readmit(Server server, Ejections record) {
    record.halfOpen.set(true);
    record.out.set(false);
    ejectedNow.decrementAndGet();
    server.ejected(false);
    log.info("server {} of pool {} back from ejection, on trial", server.name(), pool.name());
    pool.offerRoomToQueue();
  }
}
