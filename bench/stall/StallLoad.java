// The stall workload for bench/run, run with the JDK's source launcher (no build):
//   java bench/stall/StallLoad.java serve PORT WORKERS SERVICE_MS
//       an HTTP/1.1 server on 127.0.0.1:PORT with WORKERS workers, each answering in SERVICE_MS;
//       GET /__stall?ms=N makes every request in service or arriving wait until N ms from now
//   java bench/stall/StallLoad.java load PORT SECONDS CONNECTIONS BACKEND_PORT STALL_MS
//       closed-loop keep-alive GETs on CONNECTIONS connections to 127.0.0.1:PORT for SECONDS; at
//       the middle it stalls the backend for STALL_MS and prints, tab-separated: the p99 latency
//       of answered requests (ms), the recovery time (ms from the stall's end until a 100 ms
//       window served at least 90 % of the median window before the stall; -1 if never), the
//       requests answered 200, and the others (refusals, errors).
// Loopback only; bounded by SECONDS (the server by its parent's kill).
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

public class StallLoad {
  private static final int BUCKET_MS = 100;
  private static final int MAX_SAMPLES = 4_000_000;

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[1]);
    if (args[0].equals("serve")) {
      serve(port, Integer.parseInt(args[2]), Long.parseLong(args[3]));
    } else {
      load(
          port,
          Integer.parseInt(args[2]),
          Integer.parseInt(args[3]),
          Integer.parseInt(args[4]),
          Integer.parseInt(args[5]));
    }
  }

  static volatile long stallUntil;

  static void serve(int port, int workers, long serviceMs) throws IOException {
    System.setProperty("sun.net.httpserver.nodelay", "true");
    byte[] body = "ok\n".getBytes(StandardCharsets.US_ASCII);
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 4096);
    server.setExecutor(
        new ThreadPoolExecutor(
            workers, workers, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(65_536)));
    server.createContext(
        "/",
        exchange -> {
          try (InputStream in = exchange.getRequestBody()) {
            in.readAllBytes();
            String query = exchange.getRequestURI().getRawQuery();
            if (exchange.getRequestURI().getPath().equals("/__stall") && query != null) {
              stallUntil = System.nanoTime() + Long.parseLong(query.substring(3)) * 1_000_000;
            } else {
              long served = System.nanoTime() + serviceMs * 1_000_000;
              long left;
              // A stall ordered while this request is in service holds it too.
              while ((left = Math.max(served, stallUntil) - System.nanoTime()) > 0) {
                TimeUnit.NANOSECONDS.sleep(Math.min(left, 5_000_000));
              }
            }
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
              out.write(body);
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          } finally {
            exchange.close();
          }
        });
    server.start();
  }

  static void load(int port, int seconds, int connections, int backendPort, int stallMs)
      throws Exception {
    long start = System.nanoTime();
    long end = start + seconds * 1_000_000_000L;
    int buckets = seconds * 1000 / BUCKET_MS + 1;
    AtomicIntegerArray served = new AtomicIntegerArray(buckets);
    int[] latencies = new int[MAX_SAMPLES];
    AtomicInteger samples = new AtomicInteger();
    AtomicInteger others = new AtomicInteger();
    Thread[] threads = new Thread[connections];
    for (int i = 0; i < connections; i++) {
      threads[i] =
          new Thread(
              () -> {
                while (System.nanoTime() < end) {
                  try (Socket socket = new Socket()) {
                    socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
                    socket.setSoTimeout(10_000);
                    socket.setTcpNoDelay(true);
                    OutputStream out = socket.getOutputStream();
                    InputStream in = socket.getInputStream();
                    boolean open = true;
                    while (open && System.nanoTime() < end) {
                      long sent = System.nanoTime();
                      out.write(
                          "GET / HTTP/1.1\r\nHost: bench\r\n\r\n"
                              .getBytes(StandardCharsets.US_ASCII));
                      String head = readHead(in);
                      in.readNBytes(contentLength(head));
                      long now = System.nanoTime();
                      if (head.startsWith("HTTP/1.1 200")) {
                        served.incrementAndGet((int) ((now - start) / 1_000_000 / BUCKET_MS));
                        int at = samples.getAndIncrement();
                        if (at < MAX_SAMPLES) {
                          latencies[at] = (int) ((now - sent) / 1000);
                        }
                      } else {
                        others.incrementAndGet();
                        // A refused client waits a little, as a real one told to come back would.
                        Thread.sleep(10);
                      }
                      open = !head.toLowerCase().contains("connection: close");
                    }
                  } catch (IOException | RuntimeException e) {
                    others.incrementAndGet();
                  } catch (InterruptedException e) {
                    return;
                  }
                }
              });
      threads[i].start();
    }
    long stallAt = start + seconds * 1_000_000_000L / 2;
    Thread.sleep(Math.max(0, (stallAt - System.nanoTime()) / 1_000_000));
    try (Socket control = new Socket("127.0.0.1", backendPort)) {
      control
          .getOutputStream()
          .write(
              ("GET /__stall?ms=" + stallMs + " HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      control.getInputStream().readAllBytes();
    }
    long stallEnd = System.nanoTime() + stallMs * 1_000_000L;
    for (Thread thread : threads) {
      thread.join(TimeUnit.SECONDS.toMillis(seconds + 15));
    }
    int count = Math.min(samples.get(), MAX_SAMPLES);
    int[] sorted = Arrays.copyOf(latencies, count);
    Arrays.sort(sorted);
    double p99 = count == 0 ? 0 : sorted[(int) Math.min(count - 1, Math.ceil(count * 0.99) - 1)] / 1000.0;
    int stallBucket = (int) ((stallAt - start) / 1_000_000 / BUCKET_MS);
    int[] before = new int[Math.max(1, stallBucket - 2)];
    for (int b = 2; b < stallBucket; b++) {
      before[b - 2] = served.get(b);
    }
    Arrays.sort(before);
    int normal = before[before.length / 2];
    int endBucket = (int) ((stallEnd - start) / 1_000_000 / BUCKET_MS);
    long recovery = -1;
    for (int b = endBucket; b < buckets - 1; b++) {
      if (served.get(b) >= normal * 0.9) {
        recovery = Math.max(0, (long) (b + 1) * BUCKET_MS - (stallEnd - start) / 1_000_000);
        break;
      }
    }
    System.out.printf("%.1f\t%d\t%d\t%d%n", p99, recovery, count, others.get());
  }

  static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream(256);
    int matched = 0;
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("closed");
      }
      head.write(b);
      matched = (b == '\r' || b == '\n') && (matched % 2 == 0) == (b == '\r') ? matched + 1 : 0;
    }
    return head.toString(StandardCharsets.ISO_8859_1);
  }

  static int contentLength(String head) {
    String lower = head.toLowerCase();
    int at = lower.indexOf("content-length:");
    if (at < 0) {
      return 0;
    }
    return Integer.parseInt(lower.substring(at + 15, lower.indexOf('\r', at)).strip());
  }
}
