package io.sluice.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP/1.1 server on loopback with a fixed number of workers, each taking {@code service}
 * per request: up to {@code workers} requests at once are answered in {@code service}; beyond that
 * they wait for a worker, so latency rises with concurrency as it does in an application server.
 * The worker count can be changed at run time, and every response can carry a header (such as
 * {@code Sluice-Capacity}). The waiting room is bounded (4,096 requests).
 */
public final class WorkerPoolHttpServer implements AutoCloseable {
  static {
    // The JDK's server leaves Nagle on by default: a response written as head then body would wait
    // for the proxy's delayed ACK (40 ms on Linux) and bury the latency this server is about.
    System.setProperty("sun.net.httpserver.nodelay", "true");
  }

  private static final byte[] BODY = "ok\n".getBytes(StandardCharsets.US_ASCII);

  private final HttpServer server;
  private final ThreadPoolExecutor workers;
  private final long serviceNanos;
  private final AtomicInteger requests = new AtomicInteger();
  private final AtomicInteger inService = new AtomicInteger();
  private final AtomicInteger maxInService = new AtomicInteger();
  private volatile String extraHeader;
  private volatile String extraValue;
  private volatile long stallUntilNanos;

  private WorkerPoolHttpServer(int workers, long serviceMillis) throws IOException {
    this.serviceNanos = TimeUnit.MILLISECONDS.toNanos(serviceMillis);
    this.workers =
        new ThreadPoolExecutor(
            workers, workers, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(4_096));
    this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 1_024);
    server.setExecutor(this.workers);
    server.createContext("/", this::handle);
    server.start();
  }

  /** A server with {@code workers} workers, each serving one request in {@code serviceMillis}. */
  public static WorkerPoolHttpServer start(int workers, long serviceMillis) throws IOException {
    return new WorkerPoolHttpServer(workers, serviceMillis);
  }

  /** Changes the number of workers, up or down, from now on. */
  public void resize(int count) {
    if (count > workers.getMaximumPoolSize()) {
      workers.setMaximumPoolSize(count);
      workers.setCorePoolSize(count);
    } else {
      workers.setCorePoolSize(count);
      workers.setMaximumPoolSize(count);
    }
  }

  /** Every later response carries {@code name: value}; null stops it. */
  public void header(String name, String value) {
    this.extraValue = value;
    this.extraHeader = name;
  }

  /** Requests being served stop making progress until {@code millis} from now. */
  public void stall(long millis) {
    stallUntilNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
  }

  private void handle(HttpExchange exchange) throws IOException {
    int now = inService.incrementAndGet();
    maxInService.accumulateAndGet(now, Math::max);
    requests.incrementAndGet();
    try (InputStream in = exchange.getRequestBody()) {
      in.readAllBytes();
      long until = Math.max(System.nanoTime() + serviceNanos, stallUntilNanos);
      long left;
      while ((left = until - System.nanoTime()) > 0) {
        TimeUnit.NANOSECONDS.sleep(left);
      }
      String header = extraHeader;
      if (header != null) {
        exchange.getResponseHeaders().set(header, extraValue);
      }
      exchange.sendResponseHeaders(200, BODY.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(BODY);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      inService.decrementAndGet();
      exchange.close();
    }
  }

  public String address() {
    return "127.0.0.1:" + server.getAddress().getPort();
  }

  public int requests() {
    return requests.get();
  }

  /** The most requests in a handler at once (being served or stalled), since the start. */
  public int maxInService() {
    return maxInService.get();
  }

  @Override
  public void close() {
    server.stop(0);
    workers.shutdownNow();
  }
}
