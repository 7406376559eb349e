package io.sluice.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.sluice.observe.TerminationState;
import io.sluice.runtime.SluiceRuntime;
import io.sluice.runtime.StartException;
import io.sluice.testing.EchoServer;
import io.sluice.testing.Sockets;
import io.sluice.testing.TestConfigs;
import io.sluice.tls.TlsTestBed.Certificates;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clients that never finish a handshake: each ends in its termination state with the TLS reason in
 * the log, costs no server connection, and leaves the listener serving others.
 */
class TlsRejectionIT {
  private final Certificates certs = TlsTestBed.certificates();
  private EchoServer echo;
  private SluiceRuntime sluice;
  @TempDir Path dir;

  @BeforeEach
  void startEcho() throws Exception {
    echo = new EchoServer();
  }

  @AfterEach
  void stop() throws Exception {
    if (sluice != null) {
      sluice.stop(Duration.ZERO);
    }
    echo.close();
  }

  @Test
  void closesRandomBytesInPlaceOfAClientHelloAsClientAbortedWithTheReasonLogged() throws Exception {
    start(TlsTestBed.listener("", certs.p384()));

    try (Socket client = Sockets.connect(TlsTestBed.front(sluice))) {
      byte[] garbage = Sockets.randomBytes(256, 11);
      garbage[0] = 'G'; // never a TLS record type, whatever the seed
      client.getOutputStream().write(garbage);
      client.getInputStream().readAllBytes();
    }

    await().until(() -> terminations(TerminationState.CLIENT_ABORTED_DURING_REQUEST) == 1);
    assertThat(accessLog()).contains(" CR ").contains("{!NOT_TLS}");
    assertThat(sluice.tlsStats("front").failedHandshakes()).isEqualTo(1);
    assertThat(echo.accepted()).isZero();
  }

  @Test
  void closesAMalformedClientHelloWithAnAlert() throws Exception {
    start(TlsTestBed.listener("handshake_timeout: 3s", certs.p384()));

    try (Socket client = Sockets.connect(TlsTestBed.front(sluice))) {
      byte[] record = Sockets.randomBytes(5 + 200, 12);
      // A handshake record of 200 bytes holding a whole "ClientHello" of random bytes.
      record[0] = 0x16;
      record[1] = 0x03;
      record[2] = 0x01;
      record[3] = 0x00;
      record[4] = (byte) 200;
      record[5] = 0x01;
      record[6] = 0x00;
      record[7] = 0x00;
      record[8] = (byte) 196;
      client.getOutputStream().write(record);
      byte[] answer = client.getInputStream().readAllBytes();
      assertThat(answer).as("a TLS alert record").isNotEmpty().startsWith((byte) 0x15);
    }

    await().until(() -> terminations(TerminationState.CLIENT_ABORTED_DURING_REQUEST) == 1);
    assertThat(accessLog()).contains(" CR ").containsPattern("\\{![A-Z_]+}");
    assertThat(echo.accepted()).isZero();
  }

  @Test
  void closesAStalledHandshakeAtTheHandshakeTimeout() throws Exception {
    start(TlsTestBed.listener("handshake_timeout: 300ms", certs.p384()));

    try (Socket silent = Sockets.connect(TlsTestBed.front(sluice))) {
      long started = System.nanoTime();
      assertThat(silent.getInputStream().read()).isEqualTo(-1);
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started))
          .isBetween(250L, 2_000L);
    }

    await().until(() -> terminations(TerminationState.CLIENT_TIMEOUT_DURING_REQUEST) == 1);
    assertThat(accessLog()).contains(" cR ").contains("{!TIMEOUT}");
    assertThat(echo.accepted()).isZero();
  }

  @Test
  void refusesToStartWithAnEncryptedKeyAndNamesTheFile() throws Exception {
    Path encrypted = certs.maker().encryptedKey(certs.p256());
    TestConfigs config =
        TestConfigs.tcp()
            .tls(
                "{certificates: [{cert: \""
                    + certs.p256().cert()
                    + "\", key: \""
                    + encrypted
                    + "\"}]}")
            .server(echo.address());

    assertThatThrownBy(() -> SluiceRuntime.start(config.build(), 2))
        .isInstanceOf(StartException.class)
        .hasMessageContaining("listener 'front'")
        .hasMessageContaining("the key in '" + encrypted + "' is encrypted");
  }

  @Test
  void refusesToStartWithAKeyThatIsNotTheCertificates() throws Exception {
    TestConfigs config =
        TestConfigs.tcp()
            .tls(
                "{certificates: [{cert: \""
                    + certs.p256().cert()
                    + "\", key: \""
                    + certs.clientInCa().key()
                    + "\"}]}")
            .server(echo.address());

    assertThatThrownBy(() -> SluiceRuntime.start(config.build(), 2))
        .isInstanceOf(StartException.class)
        .hasMessageContaining("does not belong to the certificate in '" + certs.p256().cert());
  }

  private void start(TestConfigs config) throws Exception {
    sluice =
        SluiceRuntime.start(
            config.server(echo.address()).accessLog(dir.resolve("access.log").toString()).build(),
            2);
  }

  private String accessLog() throws Exception {
    Path log = dir.resolve("access.log");
    await().until(() -> Files.exists(log) && Files.readString(log).endsWith("\n"));
    return Files.readString(log);
  }

  private long terminations(TerminationState state) {
    return sluice.stats("front").terminations().get(state);
  }
}
