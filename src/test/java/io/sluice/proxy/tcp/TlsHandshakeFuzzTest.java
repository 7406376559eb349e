package io.sluice.proxy.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.channel.ChannelHandler;
import io.sluice.config.TlsConfig;
import io.sluice.observe.TerminationState;
import io.sluice.proxy.tcp.TcpFuzzBed.Outcome;
import io.sluice.testing.TestCertificates;
import io.sluice.testing.TestCertificates.Issued;
import io.sluice.testing.TestCertificates.KeyType;
import io.sluice.tls.SigningPool;
import io.sluice.tls.TlsTerminator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLEngine;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes a {@code tls} listener's handshake with a client: BoringSSL behind Netty's SslHandler as
 * Sluice configures it, and {@link TlsHandshakeReader}, in the listener's real pipeline. No bytes a
 * fuzzer makes finish a handshake, so whatever they are and however they are cut, the connection
 * ends exactly once, as {@code CR}, with no exception and every buffer released.
 */
class TlsHandshakeFuzzTest {
  private static Path dir;
  private static SigningPool pool;
  private static TlsTerminator terminator;
  private static TcpFuzzBed bed;

  @BeforeAll
  static void startTls() throws Exception {
    dir = Files.createTempDirectory("sluice-fuzz-tls");
    Issued issued = new TestCertificates(dir).selfSigned("fuzz", KeyType.P256, "fuzz.test");
    TlsConfig config =
        new TlsConfig(
            List.of(
                new TlsConfig.CertificateConfig(
                    issued.cert().toString(), issued.key().toString(), null)),
            null,
            null,
            null,
            null,
            null,
            // Signed by BoringSSL on the (embedded) loop: nothing on other threads.
            TlsConfig.Signer.BORINGSSL,
            Duration.ofHours(1),
            null,
            null,
            null);
    pool = new SigningPool(1);
    terminator = TlsTerminator.start("fuzz", config, pool);
    bed = new TcpFuzzBed(false, null, new Termination(terminator));
  }

  @AfterAll
  static void stopTls() throws IOException {
    if (terminator != null) {
      terminator.close();
    }
    if (pool != null) {
      pool.close();
    }
    if (dir != null) {
      try (var files = Files.walk(dir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
      }
    }
  }

  @FuzzTest
  @Timeout(10)
  void endsEveryHandshakeItCannotFinishOnceAsClientAborted(byte[] input) {
    Outcome whole = bed.run(input, new int[] {Integer.MAX_VALUE});
    Outcome cut = bed.run(input, new int[] {1, 5, 2, 40, 3});
    assertThat(whole.state()).isEqualTo(TerminationState.CLIENT_ABORTED_DURING_REQUEST);
    assertThat(cut.state()).isEqualTo(whole.state());
  }

  /** The listener's TLS as the relay sees it, as the runtime adapts it. */
  private record Termination(TlsTerminator terminator) implements ClientTls {
    @Override
    public ChannelHandler newHandshakeHandler() {
      return terminator.newHandshakeHandler();
    }

    @Override
    public Duration handshakeTimeout() {
      return terminator.handshakeTimeout();
    }

    @Override
    public boolean resumed(SSLEngine engine, long handshakeStartedMillis) {
      return TlsTerminator.resumed(engine, handshakeStartedMillis);
    }

    @Override
    public boolean shed(Throwable cause) {
      return TlsTerminator.isShed(cause);
    }

    @Override
    public String failureReason(Throwable cause) {
      return TlsTerminator.failureReason(cause);
    }

    @Override
    public ClientTlsFacts facts(SSLEngine engine, boolean resumed, X509Certificate certificate) {
      throw new AssertionError("no handshake finishes here");
    }
  }
}
