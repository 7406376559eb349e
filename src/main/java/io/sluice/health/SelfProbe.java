package io.sluice.health;

import io.sluice.observe.LiveView.ProbeLoad;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sluice as a client of its own listeners: every {@code interval}, one real connection to each,
 * with the PROXY header the listener requires and, on TLS listeners, a full handshake (the
 * certificate is not verified: the probe asks whether the listener answers, not whether it is
 * trusted). A listener that answers a probe is accepting, admitting and, for TLS, signing.
 *
 * <p>The connection goes on to a server like any other and appears in the access log and the
 * termination counts, as HAProxy's own checks through a frontend would.
 *
 * <p>Threads: probes run one after the other on the probe thread, with blocking sockets bounded by
 * {@code timeout}, never on an event loop; results are published as immutable {@link ProbeLoad}s
 * that anyone reads.
 */
public final class SelfProbe implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SelfProbe.class);

  /**
   * One listener to probe.
   *
   * @param address the listener's bound address; a wildcard is reached on loopback
   * @param sendProxy send a PROXY v1 header first, for listeners that require one
   * @param tls complete a TLS handshake
   * @param alertAnswers a TLS alert from the listener counts as an answer: it requires client
   *     certificates, which the probe has none of
   */
  public record Target(
      String listener,
      SocketAddress address,
      boolean sendProxy,
      boolean tls,
      boolean alertAnswers) {}

  private final List<Target> targets;
  private final int timeoutMillis;
  private final Map<String, ProbeLoad> results = new LinkedHashMap<>();
  private final Map<String, AtomicLong> failures = new LinkedHashMap<>();
  private final ScheduledExecutorService thread;
  private final SSLContext tls;

  private SelfProbe(List<Target> targets, Duration timeout) {
    this.targets = List.copyOf(targets);
    this.timeoutMillis = (int) Math.max(1, timeout.toMillis());
    for (Target target : targets) {
      failures.put(target.listener(), new AtomicLong());
    }
    this.tls = trustingContext();
    this.thread =
        Executors.newSingleThreadScheduledExecutor(
            job -> {
              Thread probe = new Thread(job, "sluice-self-probe");
              probe.setDaemon(true);
              return probe;
            });
  }

  /** Probes every target now and then every {@code interval}. */
  public static SelfProbe start(List<Target> targets, Duration interval, Duration timeout) {
    SelfProbe probe = new SelfProbe(targets, timeout);
    probe.thread.scheduleWithFixedDelay(
        probe::probeAll, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    return probe;
  }

  /** The last result for {@code listener}, or {@code null} before its first probe. */
  public synchronized ProbeLoad result(String listener) {
    return results.get(listener);
  }

  /** Whether every listener has been probed and its last probe passed. */
  public synchronized boolean allPassing() {
    if (results.size() < targets.size()) {
      return false;
    }
    for (ProbeLoad result : results.values()) {
      if (!result.ok()) {
        return false;
      }
    }
    return true;
  }

  private void probeAll() {
    for (Target target : targets) {
      long start = System.nanoTime();
      String error = probe(target);
      double millis = (System.nanoTime() - start) / 1e6;
      AtomicLong failed = failures.get(target.listener());
      ProbeLoad previous = result(target.listener());
      if (error != null) {
        failed.incrementAndGet();
        if (previous == null || previous.ok()) {
          log.warn("self-probe of listener {} failed: {}", target.listener(), error);
        }
      } else if (previous != null && !previous.ok()) {
        log.info("self-probe of listener {} passes again", target.listener());
      }
      ProbeLoad result =
          new ProbeLoad(error == null, millis, error, System.currentTimeMillis(), failed.get());
      synchronized (this) {
        results.put(target.listener(), result);
      }
    }
  }

  /** One probe; the reason it failed, or {@code null}. */
  private String probe(Target target) {
    try {
      if (target.address() instanceof UnixDomainSocketAddress unix) {
        probeUnix(unix, target);
      } else {
        probeInet(reachable((InetSocketAddress) target.address()), target);
      }
      return null;
    } catch (IOException e) {
      return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    } catch (RuntimeException e) {
      return e.toString();
    }
  }

  private void probeInet(InetSocketAddress address, Target target) throws IOException {
    try (Socket socket = new Socket()) {
      socket.setSoTimeout(timeoutMillis);
      socket.connect(address, timeoutMillis);
      if (target.sendProxy()) {
        OutputStream out = socket.getOutputStream();
        out.write(proxyHeader(socket).getBytes(StandardCharsets.US_ASCII));
        out.flush();
      }
      if (target.tls()) {
        handshake(socket, address, target.alertAnswers());
      }
    }
  }

  private void handshake(Socket socket, InetSocketAddress address, boolean alertAnswers)
      throws IOException {
    try (SSLSocket secure =
        (SSLSocket)
            tls.getSocketFactory()
                .createSocket(socket, address.getHostString(), address.getPort(), false)) {
      secure.setSoTimeout(timeoutMillis);
      secure.startHandshake();
    } catch (SSLException e) {
      if (!(alertAnswers && String.valueOf(e.getMessage()).contains("alert"))) {
        throw e;
      }
    }
  }

  /** Unix sockets: a connect (and the header); the JDK offers no TLS over them. */
  private static void probeUnix(UnixDomainSocketAddress address, Target target) throws IOException {
    try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      channel.connect(address);
      if (target.sendProxy()) {
        channel.write(ByteBuffer.wrap("PROXY UNKNOWN\r\n".getBytes(StandardCharsets.US_ASCII)));
      }
    }
  }

  /** PROXY v1 naming the probe's own connection, so the listener reads a true client address. */
  private static String proxyHeader(Socket socket) {
    InetSocketAddress local = (InetSocketAddress) socket.getLocalSocketAddress();
    InetSocketAddress remote = (InetSocketAddress) socket.getRemoteSocketAddress();
    String family = local.getAddress() instanceof Inet6Address ? "TCP6" : "TCP4";
    return "PROXY "
        + family
        + " "
        + local.getAddress().getHostAddress()
        + " "
        + remote.getAddress().getHostAddress()
        + " "
        + local.getPort()
        + " "
        + remote.getPort()
        + "\r\n";
  }

  /** A wildcard bind is reached on the loopback address of its family. */
  private static InetSocketAddress reachable(InetSocketAddress bound) throws IOException {
    InetAddress address = bound.getAddress();
    if (address == null || address.isAnyLocalAddress()) {
      InetAddress loopback =
          address instanceof Inet6Address
              ? InetAddress.getLoopbackAddress()
              : InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
      return new InetSocketAddress(loopback, bound.getPort());
    }
    return bound;
  }

  private static SSLContext trustingContext() {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, new TrustManager[] {new TrustingManager()}, null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK offers no TLS", e);
    }
  }

  @Override
  public void close() {
    thread.shutdownNow();
  }

  /** Accepts any certificate: the probe checks that the listener answers, not who it is. */
  private static final class TrustingManager implements X509TrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
