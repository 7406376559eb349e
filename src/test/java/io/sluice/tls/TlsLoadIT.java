package io.sluice.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.observe.TerminationState;
import io.sluice.runtime.SluiceRuntime;
import io.sluice.testing.EchoServer;
import io.sluice.tls.TlsTestBed.Certificates;
import java.io.DataInputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Handshakes under load: full handshakes sign on the crypto pool, past the signing queue they are
 * shed at once, and neither a full queue nor a busy pool holds up resumed handshakes or the bytes
 * of open connections.
 */
class TlsLoadIT {
  private final Certificates certs = TlsTestBed.certificates();
  private EchoServer echo;
  private SigningPool pool;
  private SluiceRuntime sluice;

  @BeforeEach
  void startEcho() throws Exception {
    echo = new EchoServer();
  }

  @AfterEach
  void stop() throws Exception {
    if (sluice != null) {
      sluice.stop(Duration.ZERO);
    }
    if (pool != null) {
      pool.close();
    }
    echo.close();
  }

  @Test
  void shedsFullHandshakesPastTheSigningQueueWhileResumedOnesAndOpenConnectionsGoOn()
      throws Exception {
    // One signature at a time, each held 600 ms: a second full handshake meanwhile is shed.
    pool = new SigningPool(1, Duration.ofMillis(600));
    sluice =
        SluiceRuntime.start(
            TlsTestBed.listener("signer: jdk, signing_queue: 1", certs.p384())
                .server(echo.address())
                .build(),
            2,
            pool);
    JavaTlsClient returning = new JavaTlsClient(certs.ca().cert());
    SSLSocket open = returning.connect(TlsTestBed.front(sluice), "p384.test");
    assertThat(roundTrip(open, "first")).isEqualTo("first"); // also takes the TLS 1.3 ticket

    AtomicInteger refused = new AtomicInteger();
    List<Thread> burst = new ArrayList<>();
    CountDownLatch go = new CountDownLatch(1);
    for (int i = 0; i < 4; i++) {
      Thread client =
          new Thread(
              () -> {
                try {
                  go.await();
                  new JavaTlsClient(certs.ca().cert())
                      .connect(TlsTestBed.front(sluice), "p384.test")
                      .close();
                } catch (IOException e) {
                  refused.incrementAndGet();
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      client.start();
      burst.add(client);
    }
    go.countDown();
    await().atMost(Duration.ofSeconds(5)).until(() -> stats().shedHandshakes() >= 1);

    long started = System.nanoTime();
    try (SSLSocket resumed = returning.connect(TlsTestBed.front(sluice), "p384.test")) {
      assertThat(roundTrip(resumed, "resumed")).isEqualTo("resumed");
    }
    long resumedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    assertThat(roundTrip(open, "still relaying")).isEqualTo("still relaying");
    for (Thread client : burst) {
      client.join(10_000);
    }
    open.close();

    TlsStats stats = stats();
    assertThat(stats.resumedHandshakes()).isEqualTo(1);
    assertThat(resumedMillis).as("no wait for the busy signer").isLessThan(500);
    assertThat(stats.shedHandshakes()).isEqualTo(refused.get()).isBetween(1L, 3L);
    assertThat(stats.fullHandshakes()).isEqualTo(1 + 4 - stats.shedHandshakes());
    assertThat(stats.signatures()).isEqualTo(stats.fullHandshakes());
    await()
        .until(
            () ->
                sluice
                        .stats("front")
                        .terminations()
                        .get(TerminationState.RESOURCE_LIMIT_DURING_REQUEST)
                    == stats.shedHandshakes());
  }

  @Test
  void answersAnOpenConnectionWithinMillisecondsWhileFullHandshakesSaturateTheCryptoPool()
      throws Exception {
    // One crypto thread that the flood keeps busy, so the event loops have the other core: what is
    // measured is whether signing ever runs on a loop, not how this 2-core VM shares its CPUs.
    pool = new SigningPool(1);
    sluice =
        SluiceRuntime.start(
            TlsTestBed.listener("signer: jdk", certs.p384()).server(echo.address()).build(),
            2,
            pool);
    long signaturesBefore = stats().signatures();

    long[] micros = openConnectionRoundTripsDuringAFlood();

    long signed = stats().signatures() - signaturesBefore;
    assertThat(signed).as("the flood really kept the crypto pool busy").isGreaterThan(20);
    assertThat(percentile(micros, 99)).isLessThan(50_000);
  }

  @Test
  void runsTheJdkEnginesHandshakeWorkOnTheCryptoPoolSoAnOpenConnectionIsAnsweredWithinMilliseconds()
      throws Exception {
    pool = new SigningPool(1);
    sluice =
        SluiceRuntime.start(
            TlsTestBed.listener("provider: jdk", certs.p384()).server(echo.address()).build(),
            2,
            pool);
    long cryptoBefore = cryptoThreadsCpuNanos();
    long fullBefore = stats().fullHandshakes();

    long[] micros = openConnectionRoundTripsDuringAFlood();

    long full = stats().fullHandshakes() - fullBefore;
    long cryptoMillis = TimeUnit.NANOSECONDS.toMillis(cryptoThreadsCpuNanos() - cryptoBefore);
    System.out.printf("%d JDK handshakes, %d ms of crypto-pool CPU%n", full, cryptoMillis);
    assertThat(full).as("the flood made full handshakes").isGreaterThan(20);
    // The JDK's key exchange and P-384 signature take milliseconds per handshake; on the event
    // loop instead, the crypto thread would have stayed idle.
    assertThat(cryptoMillis).as("handshake work done on the crypto pool").isGreaterThan(full);
    // The 95th percentile, not the 99th: only the engine's delegated tasks move, its record and
    // message processing stays on the loop, and the flood's JDK clients share the two cores.
    assertThat(percentile(micros, 95)).isLessThan(50_000);
  }

  /**
   * Opens one connection, then floods the listener with full handshakes from two clients (a fresh
   * client context each time, so nothing resumes) for at most two seconds or 400 handshakes, while
   * timing round trips on the open connection.
   *
   * @return those round trips, in microseconds, sorted
   */
  private long[] openConnectionRoundTripsDuringAFlood() throws Exception {
    SSLSocket open =
        new JavaTlsClient(certs.ca().cert()).connect(TlsTestBed.front(sluice), "p384.test");
    for (int i = 0; i < 100; i++) {
      roundTrip(open, "warm-up");
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
    AtomicInteger handshakes = new AtomicInteger();
    List<Thread> flood = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      Thread client =
          new Thread(
              () -> {
                while (System.nanoTime() < deadline && handshakes.incrementAndGet() <= 400) {
                  try {
                    new JavaTlsClient(certs.ca().cert())
                        .connect(TlsTestBed.front(sluice), "p384.test")
                        .close();
                  } catch (Exception e) {
                    // Counted by Sluice; the measurement is what matters here.
                  }
                }
              });
      client.start();
      flood.add(client);
    }
    List<Long> micros = new ArrayList<>();
    while (System.nanoTime() < deadline && micros.size() < 300) {
      long started = System.nanoTime();
      roundTrip(open, "ping");
      micros.add(TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - started));
      Thread.sleep(3);
    }
    for (Thread client : flood) {
      client.join(10_000);
    }
    open.close();

    long[] sorted = micros.stream().mapToLong(Long::longValue).sorted().toArray();
    System.out.printf(
        "open-connection round trips during the flood: n=%d p50=%d us p95=%d us p99=%d us max=%d"
            + " us%n",
        sorted.length,
        percentile(sorted, 50),
        percentile(sorted, 95),
        percentile(sorted, 99),
        Arrays.stream(sorted).max().orElse(0));
    assertThat(sorted.length).isGreaterThan(50);
    return sorted;
  }

  private static long percentile(long[] sorted, int percent) {
    int rank = (int) Math.ceil(sorted.length * percent / 100.0) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank))];
  }

  /** CPU time of the crypto pool's threads so far. */
  private static long cryptoThreadsCpuNanos() {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long total = 0;
    for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (info != null && info.getThreadName().startsWith("sluice-crypto-")) {
        total += Math.max(0, threads.getThreadCpuTime(info.getThreadId()));
      }
    }
    return total;
  }

  private TlsStats stats() {
    return sluice.tlsStats("front");
  }

  private static String roundTrip(SSLSocket socket, String text) throws IOException {
    byte[] bytes = text.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    socket.getOutputStream().write(bytes);
    socket.getOutputStream().flush();
    byte[] back = new byte[bytes.length];
    new DataInputStream(socket.getInputStream()).readFully(back);
    return new String(back, java.nio.charset.StandardCharsets.US_ASCII);
  }
}
