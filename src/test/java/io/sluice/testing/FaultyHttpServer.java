package io.sluice.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A loopback HTTP/1.1 server that misbehaves on demand, one thread per connection, keep-alive. The
 * request path chooses the fault:
 *
 * <ul>
 *   <li>{@code /silent}: reads the request and never answers (the connection stays open);
 *   <li>{@code /reset?sent=N&framing=length|chunked|close}: a 200 head announcing 100,000 bytes (by
 *       {@code Content-Length}, chunked, or delimited by the close), {@code N} bytes of body, then
 *       a reset (RST) instead of the rest;
 *   <li>{@code /slow-head?ms=M}: waits {@code M} ms, then answers {@code ok};
 *   <li>{@code /slow-body?ms=M}: sends the head and half of a 20-byte body, waits {@code M} ms,
 *       then the other half;
 *   <li>anything else: {@code 200 ok} at once.
 * </ul>
 *
 * <p>Threads: an acceptor and one per connection; counters are concurrent.
 */
public final class FaultyHttpServer implements AutoCloseable {
  /** The body size a resetting answer announces. */
  public static final int ANNOUNCED = 100_000;

  private final ServerSocket socket;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final Map<String, Integer> requests = new ConcurrentHashMap<>();

  private FaultyHttpServer(ServerSocket socket) {
    this.socket = socket;
    Thread acceptor = new Thread(this::accept, "faulty-" + socket.getLocalPort());
    acceptor.setDaemon(true);
    acceptor.start();
  }

  public static FaultyHttpServer start() throws IOException {
    ServerSocket server = new ServerSocket();
    server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 200);
    return new FaultyHttpServer(server);
  }

  public String address() {
    return "127.0.0.1:" + socket.getLocalPort();
  }

  /** Requests whose head arrived for {@code path}. */
  public int requests(String path) {
    return requests.getOrDefault(path, 0);
  }

  private void accept() {
    while (!socket.isClosed()) {
      try {
        Socket connection = socket.accept();
        open.add(connection);
        Thread serving = new Thread(() -> serve(connection), "faulty-connection");
        serving.setDaemon(true);
        serving.start();
      } catch (IOException closed) {
        return;
      }
    }
  }

  private void serve(Socket connection) {
    try (connection) {
      InputStream in = connection.getInputStream();
      OutputStream out = connection.getOutputStream();
      String head;
      while ((head = readHead(in)) != null) {
        String target =
            head.substring(head.indexOf(' ') + 1, head.indexOf(' ', head.indexOf(' ') + 1));
        int question = target.indexOf('?');
        String path = question < 0 ? target : target.substring(0, question);
        Map<String, String> query = query(question < 0 ? "" : target.substring(question + 1));
        requests.merge(path, 1, Integer::sum);
        switch (path) {
          case "/silent" -> {
            // Holds the connection until the other side gives up.
            while (in.read() >= 0) {
              // discard
            }
            return;
          }
          case "/reset" -> {
            reset(connection, out, query);
            return;
          }
          case "/slow-head" -> {
            Thread.sleep(Long.parseLong(query.getOrDefault("ms", "0")));
            answer(out, "ok");
          }
          case "/slow-body" -> {
            out.write(ascii("HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n0123456789"));
            out.flush();
            Thread.sleep(Long.parseLong(query.getOrDefault("ms", "0")));
            out.write(ascii("abcdefghij"));
            out.flush();
          }
          default -> answer(out, "ok");
        }
      }
    } catch (IOException | RuntimeException e) {
      // the other side went away
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      open.remove(connection);
    }
  }

  private static void reset(Socket connection, OutputStream out, Map<String, String> query)
      throws IOException, InterruptedException {
    int sent = Integer.parseInt(query.getOrDefault("sent", "1000"));
    String framing = query.getOrDefault("framing", "length");
    String head =
        switch (framing) {
          case "chunked" ->
              "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                  + Integer.toHexString(ANNOUNCED)
                  + "\r\n";
          case "close" -> "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n";
          default -> "HTTP/1.1 200 OK\r\nContent-Length: " + ANNOUNCED + "\r\n\r\n";
        };
    out.write(ascii(head));
    out.write(ascii("x".repeat(sent)));
    out.flush();
    // Long enough for the bytes to reach the proxy before the reset overtakes them.
    Thread.sleep(100);
    connection.setSoLinger(true, 0);
  }

  private static void answer(OutputStream out, String body) throws IOException {
    out.write(ascii("HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body));
    out.flush();
  }

  /** The request head, or {@code null} at the end of the stream; a body is not expected. */
  private static String readHead(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    int b;
    while ((b = in.read()) >= 0) {
      head.append((char) b);
      if (head.length() >= 4 && head.lastIndexOf("\r\n\r\n") == head.length() - 4) {
        return head.toString();
      }
    }
    return null;
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> query = new TreeMap<>();
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        query.put(pair.substring(0, eq), pair.substring(eq + 1));
      }
    }
    return query;
  }

  private static byte[] ascii(String text) {
    return text.getBytes(StandardCharsets.US_ASCII);
  }

  @Override
  public void close() throws IOException {
    socket.close();
    for (Socket connection : open) {
      connection.close();
    }
  }
}
