// The stall workload for bench/run, run with the JDK's source launcher (no build):
//   java bench/stall/StallLoad.java serve PORT WORKERS SERVICE_MS
//       an HTTP/1.1 server on 127.0.0.1:PORT with WORKERS workers, each answering in SERVICE_MS;
//       GET /__stall?ms=N makes every request in service or arriving wait until N ms from now
//   java bench/stall/StallLoad.java load PORT SECONDS RATE BACKEND_PORT STALL_MS [options]
//       an open loop: a new TCP connection to 127.0.0.1:PORT every 1/RATE s, whatever happened to
//       the ones before, each sending one `GET / HTTP/1.1` with `Connection: close` and reading
//       the answer. Each request's latency runs from its *scheduled* start to the answer's last
//       byte, so a request the generator could not start on time, or that waited behind a stall,
//       counts in full (no coordinated omission). The backend on BACKEND_PORT is told to stall for
//       STALL_MS in the middle of the SECONDS measured (the stall centred on the run's middle;
//       0: no stall, as for a warm-up).
//       Options: --warmup S (the same load for S seconds first, not recorded), --max-inflight N
//       (default 4000: a request due while N are in flight is not started and counts as
//       generator-saturated), --timeout-ms T (default 5000: connect and answer, per request).
//       It prints one tab-separated line on stdout, latencies in milliseconds:
//         p99_before p99_during p99_after p99_all recovery_ms answered refused refused_p50
//         refused_p99 waited errors saturated late
//       p99_before/during/after: p99 of the requests answered 200 whose scheduled start fell
//         before the stall, during it, after it; p99_all: of every request answered 200;
//       recovery_ms: from the stall's end to the start of the first 100 ms window (by scheduled
//         start, windows counted from the stall's end) that opens a run of three windows each
//         with a p99 at most max(1.5 x p99_before, p99_before + 2 ms), a request refused or
//         failed counting as slower than any; -1 if no such run starts before the end;
//       answered: HTTP 200 answers; refused: any other HTTP answer (429, 503, 504...), with the
//         p50 and p99 of their latency (0 if none); waited: 200 answers slower than
//         p99_before + 10 ms; errors: no HTTP answer (connect failure, reset, timeout);
//       saturated: requests not started because N were in flight; late: requests the generator
//         itself started more than 5 ms after their slot (its own saturation: if it is not near
//         0, the latencies are partly the generator's).
// Loopback only; bounded by the warm-up, SECONDS and one timeout to drain (the server by its
// parent's kill).
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

public class StallLoad {
  private static final long WINDOW_NS = 100_000_000L;
  private static final int STEADY_WINDOWS = 3;
  private static final long LATE_NS = 5_000_000;
  private static final byte PENDING = 0;
  private static final byte ANSWERED = 1;
  private static final byte REFUSED = 2;
  private static final byte ERROR = 3;
  private static final byte SATURATED = 4;
  private static final byte[] REQUEST =
      "GET / HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n"
          .getBytes(StandardCharsets.US_ASCII);

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[1]);
    if (args[0].equals("serve")) {
      serve(port, Integer.parseInt(args[2]), Long.parseLong(args[3]));
      return;
    }
    double warmup = 0;
    int maxInflight = 4000;
    long timeoutMs = 5000;
    for (int i = 6; i < args.length; i += 2) {
      switch (args[i]) {
        case "--warmup" -> warmup = Double.parseDouble(args[i + 1]);
        case "--max-inflight" -> maxInflight = Integer.parseInt(args[i + 1]);
        case "--timeout-ms" -> timeoutMs = Long.parseLong(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    load(
        port,
        Double.parseDouble(args[2]),
        Double.parseDouble(args[3]),
        Integer.parseInt(args[4]),
        Long.parseLong(args[5]),
        warmup,
        maxInflight,
        timeoutMs);
  }

  static volatile long stallUntil;

  /**
   * A plain blocking server, a thread per connection, WORKERS requests in service at once (the
   * others wait for a permit), each SERVICE_MS. Far cheaper per request than the JDK's HttpServer,
   * whose CPU cost on the generator's core would otherwise cap the rate before the workers do.
   */
  static void serve(int port, int workers, long serviceMs) throws IOException {
    byte[] answer =
        "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n".getBytes(StandardCharsets.US_ASCII);
    Semaphore permits = new Semaphore(workers, true);
    ServerSocket listener = new ServerSocket();
    listener.bind(new InetSocketAddress("127.0.0.1", port), 4096);
    // Threads are reused: a proxy that closes its server connections costs no thread each.
    ExecutorService threads =
        Executors.newCachedThreadPool(
            task -> {
              Thread thread = new Thread(task);
              thread.setDaemon(true);
              return thread;
            });
    while (true) {
      Socket socket = listener.accept();
      threads.execute(
              () -> {
                try (socket) {
                  socket.setTcpNoDelay(true);
                  InputStream in = new BufferedInputStream(socket.getInputStream());
                  OutputStream out = socket.getOutputStream();
                  String head;
                  while ((head = readHead(in)) != null) {
                    in.skipNBytes(Math.max(0, contentLength(head)));
                    String target = head.substring(head.indexOf(' ') + 1, head.indexOf(" HTTP/"));
                    if (target.startsWith("/__stall?ms=")) {
                      stallUntil =
                          System.nanoTime() + Long.parseLong(target.substring(12)) * 1_000_000;
                    } else {
                      permits.acquire();
                      try {
                        long served = System.nanoTime() + serviceMs * 1_000_000;
                        long left;
                        // A stall ordered while this request is in service holds it too.
                        while ((left = Math.max(served, stallUntil) - System.nanoTime()) > 0) {
                          TimeUnit.NANOSECONDS.sleep(Math.min(left, 5_000_000));
                        }
                      } finally {
                        permits.release();
                      }
                    }
                    out.write(answer);
                    out.flush();
                    if (head.toLowerCase(Locale.ROOT).contains("\nconnection: close")) {
                      break;
                    }
                  }
                } catch (IOException | RuntimeException e) {
                  // the peer went away
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              });
    }
  }

  /** A request head up to its empty line, or null at the end of the stream. */
  static String readHead(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder(128);
    int b;
    while ((b = in.read()) >= 0) {
      head.append((char) b);
      int n = head.length();
      if (b == '\n' && n >= 4 && head.charAt(n - 2) == '\r' && head.charAt(n - 3) == '\n') {
        return head.toString();
      }
    }
    return null;
  }

  /** One request in flight: its connection and what has come back. */
  static final class Request {
    final int index;
    final long deadline;
    final SocketChannel channel;
    ByteBuffer in = ByteBuffer.allocate(512);
    int headEnd = -1;
    int bodyLength = -1;

    Request(int index, long deadline, SocketChannel channel) {
      this.index = index;
      this.deadline = deadline;
      this.channel = channel;
    }
  }

  static void load(
      int port,
      double seconds,
      double rate,
      int backendPort,
      long stallMs,
      double warmup,
      int maxInflight,
      long timeoutMs)
      throws Exception {
    long intervalNs = (long) (1e9 / rate);
    int warmupCount = (int) (warmup * rate);
    int total = warmupCount + (int) (seconds * rate);
    byte[] outcome = new byte[total];
    int[] latencyUs = new int[total];
    InetSocketAddress target = new InetSocketAddress("127.0.0.1", port);
    Selector selector = Selector.open();
    // Requests in start order, for their deadlines; `open` counts those still waiting.
    ArrayDeque<Request> inflight = new ArrayDeque<>();
    int open = 0;
    long timeoutNs = timeoutMs * 1_000_000;

    long t0 = System.nanoTime() + 50_000_000;
    long measured = t0 + warmupCount * intervalNs;
    long end = t0 + total * intervalNs;
    long stallAt = measured + (long) (seconds * 1e9) / 2 - stallMs * 1_000_000 / 2;
    long[] stall = new long[2];
    Thread control =
        new Thread(
            () -> {
              try {
                long left;
                while ((left = stallAt - System.nanoTime()) > 0) {
                  TimeUnit.NANOSECONDS.sleep(left);
                }
                stall[0] = System.nanoTime();
                try (Socket socket = new Socket("127.0.0.1", backendPort)) {
                  socket.setSoTimeout(5000);
                  socket
                      .getOutputStream()
                      .write(
                          ("GET /__stall?ms="
                                  + stallMs
                                  + " HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")
                              .getBytes(StandardCharsets.US_ASCII));
                  socket.getInputStream().readAllBytes();
                }
                // The backend took the order between these two instants: the stall ends at the
                // later one plus its length at the latest.
                stall[1] = System.nanoTime() + stallMs * 1_000_000;
              } catch (IOException | InterruptedException e) {
                System.err.println("stall order failed: " + e);
              }
            });
    if (stallMs > 0) {
      control.start();
    }

    int next = 0;
    int late = 0;
    while (true) {
      long now = System.nanoTime();
      // Start every request that is due, late ones at once: each keeps its scheduled time.
      while (next < total && t0 + next * intervalNs <= now) {
        if (next >= warmupCount && now - (t0 + next * intervalNs) > LATE_NS) {
          late++;
        }
        if (open >= maxInflight) {
          outcome[next] = SATURATED;
        } else if (start(next, target, selector, inflight, t0 + next * intervalNs + timeoutNs)) {
          open++;
        } else {
          outcome[next] = ERROR;
        }
        next++;
      }
      if (next >= total && open == 0) {
        break;
      }
      if (now > end + timeoutNs + 1_000_000_000L) {
        break;
      }
      // Millisecond sleeps: a request may start up to about 1 ms after its slot, which its
      // latency (from the slot) includes; spinning instead would take the backends' CPU.
      long waitNs = next < total ? t0 + next * intervalNs - now : 10_000_000;
      if (waitNs > 0) {
        selector.select(Math.max(1, Math.min(10, (waitNs + 999_999) / 1_000_000)));
      } else {
        selector.selectNow();
      }
      now = System.nanoTime();
      Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
      while (keys.hasNext()) {
        SelectionKey key = keys.next();
        keys.remove();
        Request request = (Request) key.attachment();
        try {
          if (key.isConnectable()) {
            request.channel.finishConnect();
            send(request.channel);
            key.interestOps(SelectionKey.OP_READ);
          } else if (key.isReadable()) {
            read(request, now, t0, intervalNs, outcome, latencyUs);
          }
        } catch (IOException e) {
          outcome[request.index] = ERROR;
        }
        if (outcome[request.index] != PENDING) {
          key.cancel();
          request.channel.close();
          open--;
        }
      }
      // Requests leave in start order; their deadlines are in the same order.
      while (!inflight.isEmpty()) {
        Request head = inflight.peekFirst();
        if (outcome[head.index] == PENDING && head.deadline > now) {
          break;
        }
        inflight.pollFirst();
        if (outcome[head.index] == PENDING) {
          outcome[head.index] = ERROR;
          head.channel.close();
          open--;
        }
      }
    }
    for (Request request : inflight) {
      if (outcome[request.index] == PENDING) {
        outcome[request.index] = ERROR;
      }
      request.channel.close();
    }
    selector.close();
    if (stallMs > 0) {
      control.join(10_000);
    }
    long stallStart = stall[0] == 0 ? stallAt : stall[0];
    long stallEnd = stall[1] == 0 ? stallAt + stallMs * 1_000_000 : stall[1];
    report(outcome, latencyUs, t0, intervalNs, warmupCount, total, stallStart, stallEnd, end, late);
  }

  /** Opens a request's connection; false if it failed at once. */
  static boolean start(
      int index,
      InetSocketAddress target,
      Selector selector,
      ArrayDeque<Request> inflight,
      long deadline)
      throws IOException {
    SocketChannel channel = SocketChannel.open();
    try {
      channel.configureBlocking(false);
      channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
      Request request = new Request(index, deadline, channel);
      if (channel.connect(target)) {
        send(channel);
        channel.register(selector, SelectionKey.OP_READ, request);
      } else {
        channel.register(selector, SelectionKey.OP_CONNECT, request);
      }
      inflight.addLast(request);
      return true;
    } catch (IOException e) {
      channel.close();
      return false;
    }
  }

  static void send(SocketChannel channel) throws IOException {
    ByteBuffer out = ByteBuffer.wrap(REQUEST);
    channel.write(out);
    if (out.hasRemaining()) {
      // 52 bytes into an empty socket buffer: never partial on loopback.
      throw new IOException("request not sent whole");
    }
  }

  static void read(
      Request request, long now, long t0, long intervalNs, byte[] outcome, int[] latencyUs)
      throws IOException {
    if (!request.in.hasRemaining()) {
      request.in = ByteBuffer.allocate(request.in.capacity() * 2).put(request.in.flip());
    }
    int n = request.channel.read(request.in);
    byte[] bytes = request.in.array();
    int length = request.in.position();
    if (request.headEnd < 0) {
      for (int i = 3; i < length; i++) {
        if (bytes[i] == '\n'
            && bytes[i - 1] == '\r'
            && bytes[i - 2] == '\n'
            && bytes[i - 3] == '\r') {
          request.headEnd = i + 1;
          request.bodyLength =
              contentLength(new String(bytes, 0, request.headEnd, StandardCharsets.ISO_8859_1));
          break;
        }
      }
    }
    boolean whole =
        request.headEnd >= 0
            && (request.bodyLength >= 0
                ? length >= request.headEnd + request.bodyLength
                : n < 0); // no length: the body ends with the connection
    if (!whole) {
      if (n < 0) {
        throw new IOException("closed before a whole answer");
      }
      return;
    }
    String status = new String(bytes, 0, Math.min(12, length), StandardCharsets.ISO_8859_1);
    if (!status.startsWith("HTTP/1.")) {
      throw new IOException("not an HTTP answer");
    }
    outcome[request.index] = status.startsWith(" 200", 8) ? ANSWERED : REFUSED;
    latencyUs[request.index] =
        (int) Math.min(Integer.MAX_VALUE, (now - (t0 + request.index * intervalNs)) / 1000);
  }

  static int contentLength(String head) {
    String lower = head.toLowerCase(Locale.ROOT);
    int at = lower.indexOf("\ncontent-length:");
    if (at < 0) {
      return -1;
    }
    return Integer.parseInt(lower.substring(at + 16, lower.indexOf('\r', at)).strip());
  }

  static void report(
      byte[] outcome,
      int[] latencyUs,
      long t0,
      long intervalNs,
      int from,
      int total,
      long stallStart,
      long stallEnd,
      long end,
      int late) {
    int[][] phases = new int[3][total];
    int[] phaseCount = new int[3];
    int[] answered = new int[total];
    int[] refused = new int[total];
    int answeredCount = 0;
    int refusedCount = 0;
    int errors = 0;
    int saturated = 0;
    for (int i = from; i < total; i++) {
      long scheduled = t0 + i * intervalNs;
      switch (outcome[i]) {
        case ANSWERED -> {
          answered[answeredCount++] = latencyUs[i];
          int phase = scheduled < stallStart ? 0 : scheduled < stallEnd ? 1 : 2;
          phases[phase][phaseCount[phase]++] = latencyUs[i];
        }
        case REFUSED -> refused[refusedCount++] = latencyUs[i];
        case SATURATED -> saturated++;
        default -> errors++;
      }
    }
    double before = p(phases[0], phaseCount[0], 0.99);
    double steady = Math.max(1.5 * before, before + 2);
    // Windows of 100 ms by scheduled start from the stall's end; a request not answered 200
    // counts as slower than any, so a window that refuses is not steady.
    int windows = (int) ((end - stallEnd) / WINDOW_NS);
    boolean[] ok = new boolean[Math.max(0, windows)];
    for (int w = 0; w < windows; w++) {
      long lo = stallEnd + w * WINDOW_NS;
      long hi = lo + WINDOW_NS;
      int first = (int) Math.max(from, Math.ceil((double) (lo - t0) / intervalNs));
      int last = (int) Math.min(total, Math.ceil((double) (hi - t0) / intervalNs));
      int[] window = new int[Math.max(0, last - first)];
      int count = 0;
      for (int i = first; i < last; i++) {
        window[count++] = outcome[i] == ANSWERED ? latencyUs[i] : Integer.MAX_VALUE;
      }
      ok[w] = count > 0 && p(window, count, 0.99) <= steady;
    }
    long recovery = -1;
    for (int w = 0; w + STEADY_WINDOWS <= windows; w++) {
      boolean run = true;
      for (int k = w; k < w + STEADY_WINDOWS; k++) {
        run &= ok[k];
      }
      if (run) {
        recovery = w * WINDOW_NS / 1_000_000;
        break;
      }
    }
    int waited = 0;
    for (int i = 0; i < answeredCount; i++) {
      if (answered[i] / 1000.0 > before + 10) {
        waited++;
      }
    }
    System.out.printf(
        Locale.ROOT,
        "%.1f\t%.1f\t%.1f\t%.1f\t%d\t%d\t%d\t%.1f\t%.1f\t%d\t%d\t%d\t%d%n",
        before,
        p(phases[1], phaseCount[1], 0.99),
        p(phases[2], phaseCount[2], 0.99),
        p(answered, answeredCount, 0.99),
        recovery,
        answeredCount,
        refusedCount,
        p(refused, refusedCount, 0.5),
        p(refused, refusedCount, 0.99),
        waited,
        errors,
        saturated,
        late);
  }

  /** The nearest-rank percentile of the first COUNT microsecond values, in milliseconds. */
  static double p(int[] values, int count, double q) {
    if (count == 0) {
      return 0;
    }
    int[] sorted = Arrays.copyOf(values, count);
    Arrays.sort(sorted);
    int v = sorted[(int) Math.min(count - 1, Math.max(0, Math.ceil(count * q) - 1))];
    return v == Integer.MAX_VALUE ? Double.POSITIVE_INFINITY : v / 1000.0;
  }
}
