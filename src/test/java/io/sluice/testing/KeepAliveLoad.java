package io.sluice.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Closed-loop HTTP/1.1 load: {@code clients} threads, each sending GETs one after another on a
 * keep-alive connection (a new one after a closing answer) until {@link #close}. Counts answers by
 * status class. Bounded: stops by itself after {@code maxSeconds}.
 */
public final class KeepAliveLoad implements AutoCloseable {
  private static final byte[] REQUEST =
      "GET / HTTP/1.1\r\nHost: app\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  private final ExecutorService threads;
  private final InetSocketAddress address;
  private final long deadlineNanos;
  private volatile boolean stopped;
  private final AtomicInteger ok = new AtomicInteger();
  private final AtomicInteger refused = new AtomicInteger();
  private final AtomicInteger errors = new AtomicInteger();
  private final AtomicLong okNanos = new AtomicLong();

  private KeepAliveLoad(InetSocketAddress address, int clients, int maxSeconds) {
    this.address = address;
    this.deadlineNanos = System.nanoTime() + TimeUnit.SECONDS.toNanos(maxSeconds);
    this.threads = Executors.newFixedThreadPool(clients);
    for (int i = 0; i < clients; i++) {
      threads.execute(this::loop);
    }
  }

  public static KeepAliveLoad start(InetSocketAddress address, int clients, int maxSeconds) {
    return new KeepAliveLoad(address, clients, maxSeconds);
  }

  private void loop() {
    while (!stopped && System.nanoTime() < deadlineNanos) {
      try (Socket socket = new Socket()) {
        socket.connect(address, 2_000);
        socket.setSoTimeout(10_000);
        socket.setTcpNoDelay(true);
        OutputStream out = socket.getOutputStream();
        InputStream in = socket.getInputStream();
        boolean open = true;
        while (open && !stopped && System.nanoTime() < deadlineNanos) {
          long start = System.nanoTime();
          out.write(REQUEST);
          out.flush();
          String head = readHead(in);
          int status = Integer.parseInt(head.substring(9, 12));
          String lower = head.toLowerCase(Locale.ROOT);
          in.readNBytes(contentLength(lower));
          if (status == 200) {
            ok.incrementAndGet();
            okNanos.addAndGet(System.nanoTime() - start);
          } else {
            refused.incrementAndGet();
          }
          open = !lower.contains("connection: close");
        }
      } catch (IOException | RuntimeException e) {
        errors.incrementAndGet();
      }
    }
  }

  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream(256);
    int matched = 0;
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("closed in the head");
      }
      head.write(b);
      matched = (b == '\r' || b == '\n') && (matched % 2 == 0) == (b == '\r') ? matched + 1 : 0;
      if (head.size() > 16_384) {
        throw new IOException("head too long");
      }
    }
    return head.toString(StandardCharsets.ISO_8859_1);
  }

  private static int contentLength(String lowerHead) {
    int at = lowerHead.indexOf("content-length:");
    if (at < 0) {
      return 0;
    }
    int end = lowerHead.indexOf('\r', at);
    return Integer.parseInt(lowerHead.substring(at + "content-length:".length(), end).strip());
  }

  public int ok() {
    return ok.get();
  }

  public int refused() {
    return refused.get();
  }

  public int errors() {
    return errors.get();
  }

  @Override
  public void close() {
    stopped = true;
    threads.shutdown();
    try {
      if (!threads.awaitTermination(15, TimeUnit.SECONDS)) {
        threads.shutdownNow();
      }
    } catch (InterruptedException e) {
      threads.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
