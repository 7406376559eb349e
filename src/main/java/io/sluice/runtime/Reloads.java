package io.sluice.runtime;

import io.sluice.admin.Control.ReloadResult;
import io.sluice.config.Config;
import io.sluice.config.ConfigLoader;
import io.sluice.config.ConfigResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where reloads come from and what they end as: the file re-read and validated (errors with file,
 * line and column), the diff applied, the outcome logged and counted. Also the watch of the file
 * for {@code watch: true}.
 *
 * <p>Threads: runs on the control thread; the counters are read by the admin thread.
 */
final class Reloads {
  private static final Logger log = LoggerFactory.getLogger(Reloads.class);

  /** Applies a validated configuration as a diff of the running one. */
  interface Applier {
    ConfigDiff apply(Config next) throws StartException;
  }

  private final Path file;
  private final Applier applier;
  private final BooleanSupplier stopping;
  private final AtomicLong applied = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  private FileTime watchedModified;

  /**
   * @param file the configuration file, or {@code null} when there is none to re-read
   */
  Reloads(Path file, Applier applier, BooleanSupplier stopping) {
    this.file = file;
    this.applier = applier;
    this.stopping = stopping;
    this.watchedModified = file == null ? null : modified(file);
  }

  /** Re-reads the file and applies it. */
  ReloadResult reloadFile() {
    if (stopping.getAsBoolean()) {
      return refused(List.of("Sluice is stopping"));
    }
    if (file == null) {
      return refused(List.of("no configuration file to reload: Sluice was started without one"));
    }
    log.info("reloading {}", file);
    ConfigResult loaded = ConfigLoader.load(file);
    if (!loaded.ok()) {
      List<String> errors = new ArrayList<>();
      loaded.errors().forEach(e -> errors.add(e.toString()));
      return refused(errors);
    }
    return apply(loaded.config());
  }

  /** Applies an already validated configuration. */
  ReloadResult apply(Config next) {
    try {
      ConfigDiff diff = applier.apply(next);
      applied.incrementAndGet();
      String summary = diff.isEmpty() ? "nothing changed" : diff.summary();
      log.info("reload applied: {}", summary);
      if (!diff.needRestart().isEmpty()) {
        log.warn("these changes apply at the next restart: {}", diff.needRestart());
      }
      return new ReloadResult(true, summary, List.of());
    } catch (StartException e) {
      return refused(List.of(e.getMessage()));
    } catch (RuntimeException e) {
      log.error("reload failed", e);
      return refused(List.of(e.toString()));
    }
  }

  /**
   * With {@code watch} on, reloads the file if it changed since the last look; each look is one
   * stat call. A save that does not validate is refused like any reload, and the next save is
   * looked at again.
   */
  void checkWatchedFile(boolean watch) {
    if (file == null || !watch) {
      return;
    }
    FileTime now = modified(file);
    if (now != null && !now.equals(watchedModified)) {
      watchedModified = now;
      log.info("{} changed", file);
      reloadFile();
    }
  }

  ReloadResult stopped() {
    return new ReloadResult(false, "refused", List.of("Sluice is stopping"));
  }

  long applied() {
    return applied.get();
  }

  long refused() {
    return refused.get();
  }

  private ReloadResult refused(List<String> errors) {
    refused.incrementAndGet();
    log.error("reload refused, the running configuration stays: {}", String.join("; ", errors));
    return new ReloadResult(false, "refused", errors);
  }

  private static FileTime modified(Path file) {
    try {
      return Files.getLastModifiedTime(file);
    } catch (IOException e) {
      return null;
    }
  }
}
