package io.sluice.testing;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A plain HTTP/1.1 server on loopback that answers every request with {@code 200} and a fixed body,
 * then closes, as a one-request-per-connection backend does. One daemon thread per connection.
 */
public final class HttpBackend implements AutoCloseable {
  public static final String BODY = "hello from the backend\n";

  private static final byte[] RESPONSE =
      ("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: "
              + BODY.length()
              + "\r\nConnection: close\r\n\r\n"
              + BODY)
          .getBytes(StandardCharsets.US_ASCII);

  private final ServerSocket socket;
  private final AtomicInteger requests = new AtomicInteger();

  public HttpBackend() throws IOException {
    socket = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(this::acceptLoop, "http-backend-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  public String address() {
    return "127.0.0.1:" + socket.getLocalPort();
  }

  public int requests() {
    return requests.get();
  }

  private void acceptLoop() {
    while (!socket.isClosed()) {
      try {
        Socket client = socket.accept();
        Thread worker = new Thread(() -> answer(client), "http-backend-conn");
        worker.setDaemon(true);
        worker.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  private void answer(Socket client) {
    try (client;
        InputStream in = client.getInputStream()) {
      client.setSoTimeout(10_000);
      int matched = 0;
      byte[] end = {'\r', '\n', '\r', '\n'};
      int b;
      while (matched < end.length && (b = in.read()) >= 0) {
        matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
      }
      if (matched == end.length) {
        requests.incrementAndGet();
        client.getOutputStream().write(RESPONSE);
      }
    } catch (IOException e) {
      // The test decides what a broken connection means.
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
