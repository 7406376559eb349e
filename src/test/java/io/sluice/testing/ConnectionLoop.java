package io.sluice.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A client that opens new connections one after another, each echoing a line through an echo
 * server, and counts those that succeed and those refused, reset or answered wrongly. Bounded in
 * count and time; {@link #finish()} ends it early.
 */
public final class ConnectionLoop extends Thread {
  private static final int MAX_CONNECTIONS = 50_000;

  private final AtomicInteger succeeded = new AtomicInteger();
  private final AtomicInteger failed = new AtomicInteger();
  private final InetSocketAddress target;
  private final Duration length;
  private volatile boolean running = true;

  /** Connects to {@code target} for at most {@code length}. */
  public ConnectionLoop(InetSocketAddress target, Duration length) {
    super("connection-loop");
    this.target = target;
    this.length = length;
    setDaemon(true);
  }

  @Override
  public void run() {
    long deadline = System.nanoTime() + length.toNanos();
    for (int i = 0; i < MAX_CONNECTIONS && running && System.nanoTime() < deadline; i++) {
      try (Socket socket = Sockets.connect(target)) {
        echo(socket, "ping " + i);
        succeeded.incrementAndGet();
      } catch (IOException | AssertionError e) {
        failed.incrementAndGet();
      }
    }
  }

  /** Stops after the connection in progress and waits for the loop to end. */
  public void finish() throws InterruptedException {
    running = false;
    join(length.toMillis() + 10_000);
  }

  public int succeeded() {
    return succeeded.get();
  }

  public int failed() {
    return failed.get();
  }

  /** Writes {@code text} and expects it back, as an echo server answers. */
  public static void echo(Socket socket, String text) throws IOException {
    socket.getOutputStream().write(text.getBytes());
    String back = new String(socket.getInputStream().readNBytes(text.length()));
    if (!back.equals(text)) {
      throw new AssertionError("echoed '" + back + "' for '" + text + "'");
    }
  }
}
