package io.sluice.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP/1.1 server on loopback (the JDK's), for HTTP proxy tests. Every response names the
 * server ({@code x-backend}) and echoes the request's headers as {@code name: value} lines; the
 * query can ask for a status ({@code ?status=503}), a delay ({@code ?sleep=200}), a header ({@code
 * ?header=sluice-full}) or a body size ({@code ?size=100000}).
 */
public final class EchoHttpServer implements AutoCloseable {
  private final String name;
  private final HttpServer server;
  private final AtomicInteger requests = new AtomicInteger();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger maxInFlight = new AtomicInteger();
  private final Map<String, Integer> byPath = new ConcurrentHashMap<>();
  private final Map<String, Integer> wholeByPath = new ConcurrentHashMap<>();
  private final CopyOnWriteArrayList<Map<String, String>> seen = new CopyOnWriteArrayList<>();
  private final java.util.Set<java.net.InetSocketAddress> peers = ConcurrentHashMap.newKeySet();
  private volatile int fixedStatus;
  private volatile String fixedHeader;

  private EchoHttpServer(String name, int threads, InetSocketAddress bind) throws IOException {
    this.name = name;
    this.server = HttpServer.create(bind, 256);
    server.setExecutor(Executors.newFixedThreadPool(threads));
    server.createContext("/", this::handle);
    server.start();
  }

  public static EchoHttpServer start(String name) throws IOException {
    return new EchoHttpServer(name, 16, new InetSocketAddress("127.0.0.1", 0));
  }

  /**
   * A server on {@code host:port}: another loopback address such as 127.0.0.2 lets several servers
   * share one port, as the addresses of one DNS name do.
   */
  public static EchoHttpServer start(String name, String host, int port) throws IOException {
    return new EchoHttpServer(name, 16, new InetSocketAddress(host, port));
  }

  /** Every later response gets {@code status} and, if not null, {@code header: 1}. */
  public void answerAlways(int status, String header) {
    this.fixedStatus = status;
    this.fixedHeader = header;
  }

  private void handle(HttpExchange exchange) throws IOException {
    int now = inFlight.incrementAndGet();
    maxInFlight.accumulateAndGet(now, Math::max);
    requests.incrementAndGet();
    peers.add(exchange.getRemoteAddress());
    try {
      Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
      byPath.merge(exchange.getRequestURI().getPath(), 1, Integer::sum);
      Map<String, String> headers = new TreeMap<>();
      exchange
          .getRequestHeaders()
          .forEach((k, v) -> headers.put(k.toLowerCase(), String.join(",", v)));
      seen.add(headers);
      byte[] body;
      try (InputStream in = exchange.getRequestBody()) {
        body = in.readAllBytes();
      }
      wholeByPath.merge(exchange.getRequestURI().getPath(), 1, Integer::sum);
      if (query.containsKey("sleep")) {
        Thread.sleep(Long.parseLong(query.get("sleep")));
      }
      int status =
          fixedStatus != 0 ? fixedStatus : Integer.parseInt(query.getOrDefault("status", "200"));
      exchange.getResponseHeaders().set("x-backend", name);
      String header = fixedHeader != null ? fixedHeader : query.get("header");
      if (header != null) {
        exchange.getResponseHeaders().set(header, "1");
      }
      StringBuilder text = new StringBuilder();
      text.append("backend: ").append(name).append('\n');
      text.append("method: ").append(exchange.getRequestMethod()).append('\n');
      text.append("path: ").append(exchange.getRequestURI().getPath()).append('\n');
      text.append("body-bytes: ").append(body.length).append('\n');
      text.append("body-sha256: ").append(Sockets.sha256(body)).append('\n');
      headers.forEach((k, v) -> text.append(k).append(": ").append(v).append('\n'));
      byte[] out = text.toString().getBytes(StandardCharsets.UTF_8);
      int size = Integer.parseInt(query.getOrDefault("size", "0"));
      if (size > 0) {
        out = new byte[size];
        java.util.Arrays.fill(out, (byte) 'x');
      }
      if ("HEAD".equals(exchange.getRequestMethod())) {
        exchange.sendResponseHeaders(status, -1);
      } else {
        exchange.sendResponseHeaders(status, out.length == 0 ? -1 : out.length);
        try (OutputStream os = exchange.getResponseBody()) {
          os.write(out);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      inFlight.decrementAndGet();
      exchange.close();
    }
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> query = new TreeMap<>();
    if (raw != null) {
      for (String pair : raw.split("&")) {
        int eq = pair.indexOf('=');
        if (eq > 0) {
          query.put(pair.substring(0, eq), pair.substring(eq + 1));
        }
      }
    }
    return query;
  }

  public String address() {
    return server.getAddress().getAddress().getHostAddress() + ":" + server.getAddress().getPort();
  }

  public int requests() {
    return requests.get();
  }

  /**
   * Connections that carried at least one request: distinct client addresses and ports (loopback
   * ports are not reused within a test).
   */
  public int connections() {
    return peers.size();
  }

  public int maxInFlight() {
    return maxInFlight.get();
  }

  /** Requests to {@code path} whose head arrived. */
  public int requests(String path) {
    return byPath.getOrDefault(path, 0);
  }

  /** Requests to {@code path} whose body arrived whole (a request cut short is not counted). */
  public int wholeRequests(String path) {
    return wholeByPath.getOrDefault(path, 0);
  }

  /** The headers of every request seen, lower-case names. */
  public java.util.List<Map<String, String>> seen() {
    return seen;
  }

  @Override
  public void close() {
    server.stop(0);
    ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
  }
}
