package io.sluice.cli;

import io.sluice.config.Config;
import io.sluice.config.ConfigResult;
import io.sluice.runtime.SluiceRuntime;
import io.sluice.runtime.StartException;
import io.sluice.runtime.Takeover;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code sluice run -c FILE}: validate, start, and serve until SIGTERM or SIGINT; SIGHUP reloads
 * the file. With {@code --control-socket} a new process can take the listening sockets over.
 */
@Command(name = "run", description = "Run Sluice with a configuration file.")
public final class RunCommand implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(RunCommand.class);

  @Mixin ConfigFile config;

  @Option(
      names = "--control-socket",
      paramLabel = "PATH",
      description =
          "Listen on this unix socket for a new process that takes the listening sockets over.")
  Path controlSocket;

  @Option(
      names = "--takeover",
      paramLabel = "PATH",
      description =
          "Take the listening sockets over from the process serving this control socket, then"
              + " tell it to drain; this process then serves the control socket itself.")
  Path takeover;

  @Override
  public Integer call() {
    ConfigResult result = config.load();
    if (!result.ok()) {
      return Main.EXIT_BAD_CONFIG;
    }
    return serve(result.config(), config.path, controlSocket, takeover, runtime -> {});
  }

  /** As the full form, without a file to reload or a control socket (the demo). */
  static int serve(Config config, Consumer<SluiceRuntime> onStarted) {
    return serve(config, null, null, null, onStarted);
  }

  /**
   * Starts {@code config} and blocks until a stop signal or a handover has drained it.
   *
   * @param file what SIGHUP and the admin API's reload re-read, or {@code null}
   * @param controlSocket where to listen for a takeover, or {@code null}
   * @param takeover the control socket of the process to take over from, or {@code null}
   * @param onStarted runs once the listeners are bound
   */
  static int serve(
      Config config,
      Path file,
      Path controlSocket,
      Path takeover,
      Consumer<SluiceRuntime> onStarted) {
    // Installed before the start so that a SIGUSR1 or SIGHUP sent as soon as the listeners answer
    // is never met by the JVM's default action, which ends the process.
    AtomicReference<SluiceRuntime> started = new AtomicReference<>();
    StopSignals.onReopen(
        () -> {
          SluiceRuntime running = started.get();
          if (running != null) {
            running.reopenLogs();
          }
        });
    StopSignals.onHangUp(
        () -> {
          SluiceRuntime running = started.get();
          if (running != null) {
            running.reload();
          } else {
            log.warn("SIGHUP before the start finished: nothing to reload yet");
          }
        });
    Takeover handover = Takeover.none();
    SluiceRuntime runtime;
    try {
      if (takeover != null) {
        handover = Takeover.from(takeover);
      }
      runtime = SluiceRuntime.start(config, file, handover);
    } catch (StartException e) {
      handover.abandon();
      System.err.println("sluice: " + e.getMessage());
      return Main.EXIT_START_FAILED;
    }
    started.set(runtime);
    try {
      handover.complete(runtime);
      Path control = controlSocket != null ? controlSocket : takeover;
      if (control != null) {
        runtime.listenForTakeover(control, StopSignals::stop);
      }
    } catch (StartException e) {
      // Both processes accept on the shared sockets: nothing is lost, but say so.
      log.error("handover incomplete: {}", e.getMessage());
    }
    onStarted.accept(runtime);
    StopSignals.awaitStop();
    runtime.stop(runtime.drainTimeout());
    return 0;
  }
}
