// Open-loop TLS connection storms for bench/run, run with the JDK's source launcher against
// Sluice's jar (Netty, native epoll and BoringSSL come from it):
//   java -cp target/sluice.jar bench/storm/StormLoad.java rate PORT RATE SECONDS [options]
//   java -cp target/sluice.jar bench/storm/StormLoad.java idle PORT COUNT SECONDS [options]
//
// `rate` starts a new TLS connection to 127.0.0.1:PORT every 1/RATE s for SECONDS, whatever
// happened to the ones before (a fixed arrival rate, as clients that do not wait for each other),
// sends one `GET / HTTP/1.1` with `Connection: close` on each, and reads the response. Each
// connection's latency runs from its *scheduled* start to its response's last byte, so a stall
// of the proxy counts for every connection that should have started during it: the percentiles
// are free of coordinated omission (a closed loop, like `openssl s_time`, would wait out the
// stall and record one slow sample). It prints one tab-separated line on stdout:
//   started ok errors resumed p50_ms p90_ms p99_ms p999_ms max_ms late
// where `resumed` counts handshakes that resumed a session and `late` counts connections the
// generator itself started more than 5 ms after their slot (its own saturation: if it is not
// near 0, lower the rate). A human-readable summary goes to stderr.
//
// `idle` opens COUNT TLS connections at RATE per second (--rate, default 2000), completes each
// handshake (and sends nothing), keeps them all open and idle, prints `ready N` on stdout once all
// are (N: those that made it), then holds them for SECONDS and exits.
//
// Options: --resume (offer the last session: tickets or TLS 1.3 PSK), --cert FILE --key FILE (a
// client certificate), --certs DIR (DIR/client-N.pem with DIR/client-N-key.pem for N = 1, 2, ...:
// each connection presents the next of these in turn, as a fleet of devices each with its own
// certificate; a verifier cannot answer from a cache), --max-inflight N (default 20000: beyond it a slot counts as an error
// rather than opening more), --timeout-ms T (default 10000 per connection), --rate R (idle),
// --warmup S (rate: the same storm for S seconds first, not recorded).
// Loopback only; every run is bounded by SECONDS plus the per-connection timeout.
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.internal.tcnative.SSL;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

public class StormLoad {
  private static final byte[] REQUEST =
      "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
          .getBytes(StandardCharsets.US_ASCII);

  public static void main(String[] args) throws Exception {
    String mode = args[0];
    int port = Integer.parseInt(args[1]);
    boolean resume = false;
    String cert = null;
    String key = null;
    String certs = null;
    int maxInflight = 20_000;
    long timeoutMs = 10_000;
    double idleRate = 2000;
    int warmup = 0;
    for (int i = 4; i < args.length; i++) {
      switch (args[i]) {
        case "--resume" -> resume = true;
        case "--cert" -> cert = args[++i];
        case "--key" -> key = args[++i];
        case "--certs" -> certs = args[++i];
        case "--max-inflight" -> maxInflight = Integer.parseInt(args[++i]);
        case "--timeout-ms" -> timeoutMs = Long.parseLong(args[++i]);
        case "--rate" -> idleRate = Double.parseDouble(args[++i]);
        case "--warmup" -> warmup = Integer.parseInt(args[++i]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    List<SslContext> contexts = new ArrayList<>();
    if (certs == null) {
      contexts.add(
          clientContext(cert == null ? null : new File(cert), key == null ? null : new File(key)));
    } else {
      for (int n = 1; new File(certs, "client-" + n + ".pem").exists(); n++) {
        contexts.add(
            clientContext(
                new File(certs, "client-" + n + ".pem"), new File(certs, "client-" + n + "-key.pem")));
      }
      if (contexts.isEmpty()) {
        throw new IllegalArgumentException("no client-1.pem in " + certs);
      }
    }
    SslContext[] ssl = contexts.toArray(new SslContext[0]);
    boolean epoll = Epoll.isAvailable();
    IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, io);
    try {
      Storm storm = new Storm(group, epoll, ssl, port, resume, timeoutMs);
      if (mode.equals("rate")) {
        double rate = Double.parseDouble(args[2]);
        if (warmup > 0) {
          // Compiles the generator's own TLS path (and the proxy's) before anything is recorded.
          rate(storm, rate, warmup, maxInflight, false);
          storm.errors.set(0);
          storm.resumed.set(0);
        }
        rate(storm, rate, Integer.parseInt(args[3]), maxInflight, true);
      } else {
        idle(storm, Integer.parseInt(args[2]), Integer.parseInt(args[3]), idleRate);
      }
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }

  static SslContext clientContext(File cert, File key) throws Exception {
    SslContextBuilder builder =
        SslContextBuilder.forClient()
            .sslProvider(SslProvider.OPENSSL)
            .trustManager(InsecureTrustManagerFactory.INSTANCE)
            .protocols("TLSv1.3", "TLSv1.2");
    if (cert != null) {
      builder.keyManager(cert, key);
    }
    return builder.build();
  }

  static void rate(Storm storm, double rate, int seconds, int maxInflight, boolean report)
      throws Exception {
    long total = (long) Math.min(10_000_000, rate * seconds);
    long[] latencies = new long[(int) total];
    AtomicInteger recorded = new AtomicInteger();
    long period = (long) (1e9 / rate);
    long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
    CountDownLatch done = new CountDownLatch((int) total);
    long late = 0;
    for (long i = 0; i < total; i++) {
      long slot = start + i * period;
      long wait;
      while ((wait = slot - System.nanoTime()) > 0) {
        LockSupport.parkNanos(wait);
      }
      if (System.nanoTime() - slot > TimeUnit.MILLISECONDS.toNanos(5)) {
        late++;
      }
      if (storm.inflight.get() >= maxInflight) {
        storm.errors.incrementAndGet();
        done.countDown();
        continue;
      }
      storm.open(
          slot,
          nanos -> {
            if (nanos >= 0) {
              latencies[recorded.getAndIncrement()] = nanos;
            }
            done.countDown();
          },
          false);
    }
    done.await(storm.timeoutMs + 2_000, TimeUnit.MILLISECONDS);
    if (!report) {
      return;
    }
    int n = recorded.get();
    long[] sorted = Arrays.copyOf(latencies, n);
    Arrays.sort(sorted);
    double elapsed = (System.nanoTime() - start) / 1e9;
    System.err.printf(
        Locale.ROOT,
        "storm: %d scheduled at %.0f/s over %d s, %d ok, %d errors, %d resumed, %d late starts;"
            + " latency from the scheduled start p50 %.2f p90 %.2f p99 %.2f p99.9 %.2f max %.2f ms"
            + " (%.1f s)%n",
        total,
        rate,
        seconds,
        n,
        storm.errors.get(),
        storm.resumed.get(),
        late,
        ms(sorted, 0.5),
        ms(sorted, 0.9),
        ms(sorted, 0.99),
        ms(sorted, 0.999),
        ms(sorted, 1.0),
        elapsed);
    System.out.printf(
        Locale.ROOT,
        "%d\t%d\t%d\t%d\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%d%n",
        total,
        n,
        storm.errors.get(),
        storm.resumed.get(),
        ms(sorted, 0.5),
        ms(sorted, 0.9),
        ms(sorted, 0.99),
        ms(sorted, 0.999),
        ms(sorted, 1.0),
        late);
  }

  static void idle(Storm storm, int count, int seconds, double rate) throws Exception {
    CountDownLatch done = new CountDownLatch(count);
    AtomicInteger ready = new AtomicInteger();
    long period = (long) (1e9 / rate);
    long start = System.nanoTime();
    for (int i = 0; i < count; i++) {
      long slot = start + i * period;
      long wait;
      while ((wait = slot - System.nanoTime()) > 0) {
        LockSupport.parkNanos(wait);
      }
      storm.open(
          slot,
          nanos -> {
            if (nanos >= 0) {
              ready.incrementAndGet();
            }
            done.countDown();
          },
          true);
    }
    done.await(storm.timeoutMs + 2_000, TimeUnit.MILLISECONDS);
    System.out.println("ready " + ready.get());
    System.out.flush();
    System.err.printf("idle: %d of %d connections open, %d errors%n", ready.get(), count,
        storm.errors.get());
    Thread.sleep(seconds * 1000L);
    for (Channel channel : storm.held) {
      channel.close();
    }
  }

  private static double ms(long[] sorted, double quantile) {
    if (sorted.length == 0) {
      return 0;
    }
    int index = (int) Math.min(sorted.length - 1, Math.ceil(quantile * sorted.length) - 1);
    return sorted[Math.max(0, index)] / 1e6;
  }

  interface Outcome {
    /** The latency in nanoseconds from the scheduled start, or -1 for a failure. */
    void done(long nanos);
  }

  static final class Storm {
    final AtomicInteger inflight = new AtomicInteger();
    final AtomicLong errors = new AtomicLong();
    final AtomicLong resumed = new AtomicLong();
    final ConcurrentLinkedQueue<Channel> held = new ConcurrentLinkedQueue<>();
    final Bootstrap bootstrap;
    /** The client contexts, one per client certificate; connections take them in turn. */
    final SslContext[] ssl;

    final AtomicLong next = new AtomicLong();
    final int port;
    final boolean resume;
    final long timeoutMs;

    Storm(EventLoopGroup group, boolean epoll, SslContext[] ssl, int port, boolean resume,
        long timeoutMs) {
      this.ssl = ssl;
      this.port = port;
      this.resume = resume;
      this.timeoutMs = timeoutMs;
      this.bootstrap =
          new Bootstrap()
              .group(group)
              .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
              .option(ChannelOption.TCP_NODELAY, true)
              .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) timeoutMs);
    }

    void open(long slot, Outcome outcome, boolean hold) {
      inflight.incrementAndGet();
      Exchange exchange = new Exchange(this, slot, outcome, hold);
      bootstrap
          .clone()
          .handler(
              new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel channel) {
                  // With --resume the handler names the peer, so the context's session cache
                  // offers its last session; without, no session is ever offered.
                  SslContext context = ssl[(int) (next.getAndIncrement() % ssl.length)];
                  SslHandler handler =
                      resume
                          ? context.newHandler(channel.alloc(), "127.0.0.1", port)
                          : context.newHandler(channel.alloc());
                  channel.pipeline().addLast(handler, exchange);
                }
              })
          .connect("127.0.0.1", port)
          .addListener(
              f -> {
                if (!f.isSuccess()) {
                  exchange.fail();
                } else {
                  Channel channel = ((io.netty.channel.ChannelFuture) f).channel();
                  channel
                      .eventLoop()
                      .schedule(exchange::fail, timeoutMs, TimeUnit.MILLISECONDS);
                }
              });
    }
  }

  /** One connection: handshake, request, response; reports once. */
  static final class Exchange extends ChannelInboundHandlerAdapter {
    private final Storm storm;
    private final long slot;
    private final Outcome outcome;
    private final boolean hold;
    private final StringBuilder head = new StringBuilder();
    private long bodyLeft = -1;
    private boolean reported;
    private Channel channel;

    Exchange(Storm storm, long slot, Outcome outcome, boolean hold) {
      this.storm = storm;
      this.slot = slot;
      this.outcome = outcome;
      this.hold = hold;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      channel = ctx.channel();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
      if (event instanceof SslHandshakeCompletionEvent completion) {
        if (!completion.isSuccess()) {
          fail();
          ctx.close();
          return;
        }
        SslHandler handler = ctx.pipeline().get(SslHandler.class);
        if (handler.engine() instanceof ReferenceCountedOpenSslEngine engine
            && SSL.isSessionReused(engine.sslPointer())) {
          storm.resumed.incrementAndGet();
        }
        if (hold) {
          // An idle connection: handshaken, nothing asked.
          succeed();
          return;
        }
        ctx.writeAndFlush(Unpooled.wrappedBuffer(REQUEST));
      }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ByteBuf buf = (ByteBuf) msg;
      try {
        if (reported) {
          return;
        }
        if (bodyLeft < 0) {
          head.append(buf.toString(StandardCharsets.ISO_8859_1));
          int end = head.indexOf("\r\n\r\n");
          if (end < 0) {
            return;
          }
          if (head.indexOf("HTTP/1.1 2") != 0 && head.indexOf("HTTP/1.0 2") != 0) {
            fail();
            ctx.close();
            return;
          }
          bodyLeft = contentLength(head.substring(0, end)) - (head.length() - end - 4);
        } else {
          bodyLeft -= buf.readableBytes();
        }
        if (bodyLeft <= 0) {
          succeed();
          if (!hold) {
            ctx.close();
          }
        }
      } finally {
        buf.release();
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (!reported) {
        // A response without Content-Length ends with the connection.
        if (bodyLeft >= 0 || head.indexOf("\r\n\r\n") >= 0) {
          succeed();
        } else {
          fail();
        }
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      fail();
      ctx.close();
    }

    private static long contentLength(String head) {
      for (String line : head.split("\r\n")) {
        int colon = line.indexOf(':');
        if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase("content-length")) {
          return Long.parseLong(line.substring(colon + 1).trim());
        }
      }
      return Long.MAX_VALUE;
    }

    private void succeed() {
      if (reported) {
        return;
      }
      reported = true;
      storm.inflight.decrementAndGet();
      if (hold && channel != null) {
        storm.held.add(channel);
      }
      outcome.done(System.nanoTime() - slot);
    }

    void fail() {
      if (reported) {
        return;
      }
      reported = true;
      storm.inflight.decrementAndGet();
      storm.errors.incrementAndGet();
      if (channel != null) {
        channel.close();
      }
      outcome.done(-1);
    }
  }
}
