package io.sluice.runtime;

import io.sluice.net.InheritedSockets;
import io.sluice.net.SocketHandover;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A hitless restart seen from the new process: receive the running process's listening sockets,
 * start with them ({@link SluiceRuntime#start(io.sluice.config.Config, Path, Takeover)}), then
 * {@link #complete}: close the sockets no listener wants and tell the old process to drain.
 *
 * <p>Threads: the starting thread.
 */
public final class Takeover {
  private static final Logger log = LoggerFactory.getLogger(Takeover.class);

  /** How long the running process may take to answer each request. */
  private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(10);

  private final Path controlSocket;
  private final InheritedSockets sockets;

  private Takeover(Path controlSocket, InheritedSockets sockets) {
    this.controlSocket = controlSocket;
    this.sockets = sockets;
  }

  /** A plain start: nothing to take over. */
  public static Takeover none() {
    return new Takeover(null, InheritedSockets.none());
  }

  /**
   * Receives the listening sockets of the process serving {@code controlSocket}.
   *
   * @throws StartException when it does not answer; it keeps serving untouched
   */
  public static Takeover from(Path controlSocket) throws StartException {
    try {
      InheritedSockets sockets = SocketHandover.receiveSockets(controlSocket, ANSWER_TIMEOUT);
      log.info("received {} listening sockets from {}", sockets.remaining(), controlSocket);
      return new Takeover(controlSocket, sockets);
    } catch (IOException e) {
      throw new StartException("cannot take over: " + e.getMessage(), e);
    }
  }

  InheritedSockets sockets() {
    return sockets;
  }

  /** The control socket taken over from, or {@code null} for a plain start. */
  public Path controlSocket() {
    return controlSocket;
  }

  /** Closes the received sockets: the start failed, the old process keeps serving. */
  public void abandon() {
    sockets.closeRemaining();
  }

  /**
   * After this process accepts on the sockets: closes those of listeners the new configuration no
   * longer has, tells the old process to stop accepting and drain, and starts {@code runtime}'s
   * admin API on the address the old process freed.
   *
   * @throws StartException when the old process does not confirm; both then accept on the shared
   *     sockets, so no connection is lost, but the old one does not drain
   */
  public void complete(SluiceRuntime runtime) throws StartException {
    if (controlSocket == null) {
      return;
    }
    if (sockets.remaining() > 0) {
      log.info("closing received sockets no listener wants: {}", sockets.remainingAddresses());
      sockets.closeRemaining();
    }
    try {
      SocketHandover.requestDrain(controlSocket, ANSWER_TIMEOUT);
      log.info("took over from the process on {}; it drains", controlSocket);
    } catch (IOException e) {
      throw new StartException("the old process did not confirm: " + e.getMessage(), e);
    } finally {
      runtime.startAdminAfterTakeover();
    }
  }
}
