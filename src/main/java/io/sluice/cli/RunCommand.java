package io.sluice.cli;

import io.sluice.config.Config;
import io.sluice.config.ConfigResult;
import io.sluice.runtime.SluiceRuntime;
import io.sluice.runtime.StartException;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code sluice run -c FILE}: validate, start, and serve until SIGTERM or SIGINT. */
@Command(name = "run", description = "Run Sluice with a configuration file.")
public final class RunCommand implements Callable<Integer> {
  @Mixin ConfigFile config;

  @Override
  public Integer call() {
    ConfigResult result = config.load();
    if (!result.ok()) {
      return Main.EXIT_BAD_CONFIG;
    }
    return serve(result.config(), runtime -> {});
  }

  /**
   * Starts {@code config} and blocks until a stop signal has drained it.
   *
   * @param onStarted runs once the listeners are bound
   */
  static int serve(Config config, Consumer<SluiceRuntime> onStarted) {
    // Installed before the start so that a SIGUSR1 sent as soon as the listeners answer is never
    // met by the JVM's default action, which ends the process.
    AtomicReference<SluiceRuntime> started = new AtomicReference<>();
    StopSignals.onReopen(
        () -> {
          SluiceRuntime running = started.get();
          if (running != null) {
            running.reopenLogs();
          }
        });
    SluiceRuntime runtime;
    try {
      runtime = SluiceRuntime.start(config);
    } catch (StartException e) {
      System.err.println("sluice: " + e.getMessage());
      return Main.EXIT_START_FAILED;
    }
    started.set(runtime);
    onStarted.accept(runtime);
    StopSignals.awaitStop();
    runtime.stop(config.drainTimeout());
    return 0;
  }
}
