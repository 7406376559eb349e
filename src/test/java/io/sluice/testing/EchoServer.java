package io.sluice.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A blocking TCP server on loopback that writes back everything it reads and closes its side when
 * the client half-closes. One thread per connection; daemon threads, closed with the server.
 */
public final class EchoServer implements AutoCloseable {
  private final ServerSocket socket;
  private final AtomicInteger accepted = new AtomicInteger();

  public EchoServer() throws IOException {
    this(InetAddress.getLoopbackAddress());
  }

  public EchoServer(InetAddress address) throws IOException {
    socket = new ServerSocket(0, 50, address);
    Thread acceptor = new Thread(this::acceptLoop, "echo-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  public int port() {
    return socket.getLocalPort();
  }

  /** {@code 127.0.0.1:port} (or {@code [::1]:port}). */
  public String address() {
    String host = socket.getInetAddress().getHostAddress();
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port();
  }

  public int accepted() {
    return accepted.get();
  }

  private void acceptLoop() {
    while (!socket.isClosed()) {
      try {
        Socket client = socket.accept();
        accepted.incrementAndGet();
        Thread worker = new Thread(() -> echo(client), "echo-conn");
        worker.setDaemon(true);
        worker.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  private static void echo(Socket client) {
    try (client;
        InputStream in = client.getInputStream();
        OutputStream out = client.getOutputStream()) {
      byte[] buffer = new byte[64 * 1024];
      int n;
      while ((n = in.read(buffer)) >= 0) {
        out.write(buffer, 0, n);
      }
      client.shutdownOutput();
    } catch (IOException e) {
      // The test decides what a broken connection means.
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
