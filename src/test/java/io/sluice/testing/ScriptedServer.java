package io.sluice.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback server that answers every connection the same scripted way: fixed bytes then close, or
 * an immediate reset. It can be stopped and started again on the same port, as a server that
 * crashes and restarts.
 */
public final class ScriptedServer implements AutoCloseable {
  private final int port;
  private volatile String answer;
  private volatile boolean reset;
  private volatile long delayMillis;
  private volatile ServerSocket socket;
  private final AtomicInteger accepted = new AtomicInteger();

  private ScriptedServer(int port, String answer, boolean reset) throws IOException {
    this.answer = answer;
    this.reset = reset;
    this.port = start(port);
  }

  /** Answers every connection with {@code answer} and closes. */
  public static ScriptedServer answering(String answer) throws IOException {
    return new ScriptedServer(0, answer, false);
  }

  /** Answers every connection with an HTTP response of {@code status}. */
  public static ScriptedServer http(int status) throws IOException {
    return answering(httpResponse(status));
  }

  /** Accepts every connection and resets it at once. */
  public static ScriptedServer resetting() throws IOException {
    return new ScriptedServer(0, "", true);
  }

  public static String httpResponse(int status) {
    return "HTTP/1.1 " + status + " X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
  }

  /** Waits this long before answering each connection (a slow server). */
  public void delay(java.time.Duration delay) {
    this.delayMillis = delay.toMillis();
  }

  public void answer(String text) {
    this.answer = text;
  }

  private int start(int wanted) throws IOException {
    ServerSocket server = new ServerSocket();
    server.setReuseAddress(true);
    server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), wanted), 50);
    socket = server;
    Thread thread = new Thread(() -> serve(server), "scripted-" + server.getLocalPort());
    thread.setDaemon(true);
    thread.start();
    return server.getLocalPort();
  }

  private void serve(ServerSocket server) {
    while (!server.isClosed()) {
      try (Socket client = server.accept()) {
        accepted.incrementAndGet();
        if (reset) {
          client.setSoLinger(true, 0);
        } else {
          if (delayMillis > 0) {
            Thread.sleep(delayMillis);
          }
          client.getOutputStream().write(answer.getBytes(StandardCharsets.US_ASCII));
          client.shutdownOutput();
          client.setSoTimeout(200);
          try {
            client.getInputStream().readAllBytes();
          } catch (IOException timedOut) {
            // the peer kept its side open; close anyway
          }
        }
      } catch (IOException e) {
        // closed, or the peer went away
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** Stops listening: connects are refused, as with a crashed server. */
  public void stop() throws IOException {
    socket.close();
  }

  /** Listens again on the same port. */
  public void restart() throws IOException {
    start(port);
  }

  public int accepted() {
    return accepted.get();
  }

  public String address() {
    return "127.0.0.1:" + port;
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
