package io.sluice.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.runtime.SluiceRuntime;
import io.sluice.testing.EchoServer;
import io.sluice.testing.OpensslClient;
import io.sluice.testing.OpensslClient.Result;
import io.sluice.tls.TlsTestBed.Certificates;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What a {@code tls} listener offers with no TLS settings beyond its certificate, checked with
 * {@code openssl s_client} lowered to security level 0 so that only Sluice can be the one to
 * refuse: TLS 1.2 and 1.3 only, AEAD suites with forward secrecy only, no renegotiation. Both
 * engines, BoringSSL and the JDK's.
 */
class TlsDefaultsIT {
  /** Lets the client offer what Debian's openssl refuses by itself (TLS 1.0/1.1, CBC suites). */
  private static final String ANY_CIPHER = "DEFAULT:@SECLEVEL=0";

  private final Certificates certs = TlsTestBed.certificates();
  private EchoServer echo;
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
    echo.close();
  }

  private InetSocketAddress start(String provider) throws Exception {
    String keys = provider.equals("jdk") ? "provider: jdk, signer: jdk" : "";
    sluice =
        SluiceRuntime.start(
            TlsTestBed.listener(keys, certs.p384()).server(echo.address()).build(), 1);
    return TlsTestBed.front(sluice);
  }

  @ParameterizedTest
  @ValueSource(strings = {"boringssl", "jdk"})
  void refusesTls11AndTls10WithAProtocolVersionAlert(String provider) throws Exception {
    InetSocketAddress front = start(provider);

    for (String version : new String[] {"-tls1_1", "-tls1"}) {
      Result result = OpensslClient.run(front, new byte[0], version, "-cipher", ANY_CIPHER);

      assertThat(result.exitCode()).as(version).isNotZero();
      assertThat(result.output()).as(version).containsIgnoringCase("alert protocol version");
    }
    assertThat(echo.accepted()).isZero();
  }

  @ParameterizedTest
  @ValueSource(strings = {"boringssl", "jdk"})
  void refusesSuitesWithoutAeadOrWithoutForwardSecrecyInTls12(String provider) throws Exception {
    InetSocketAddress front = start(provider);

    for (String suite :
        new String[] {"AES128-SHA", "AES256-GCM-SHA384", "ECDHE-ECDSA-AES256-SHA384"}) {
      Result result =
          OpensslClient.run(front, new byte[0], "-tls1_2", "-cipher", suite + ":@SECLEVEL=0");

      assertThat(result.exitCode()).as(suite).isNotZero();
      assertThat(result.output()).as(suite).containsIgnoringCase("alert handshake failure");
    }
    assertThat(echo.accepted()).isZero();
  }

  @ParameterizedTest
  @ValueSource(strings = {"boringssl", "jdk"})
  void negotiatesTls13OrAnAeadSuiteWithEcdheInTls12(String provider) throws Exception {
    InetSocketAddress front = start(provider);

    // The echo server answers and stays: the client leaves at the end of its input.
    Result newest = OpensslClient.run(front, new byte[0], "-no_ign_eof");
    Result tls12 =
        OpensslClient.run(front, new byte[0], "-no_ign_eof", "-tls1_2", "-cipher", ANY_CIPHER);

    assertThat(newest.output()).contains("New, TLSv1.3, Cipher is TLS_");
    assertThat(tls12.output())
        .containsPattern(
            "New, TLSv1.2, Cipher is"
                + " ECDHE-ECDSA-(AES128-GCM-SHA256|AES256-GCM-SHA384|CHACHA20-POLY1305)");
  }

  @ParameterizedTest
  @ValueSource(strings = {"boringssl", "jdk"})
  void refusesAClientsRenegotiation(String provider) throws Exception {
    InetSocketAddress front = start(provider);

    // s_client renegotiates when a line of its input is "R".
    Result result =
        OpensslClient.run(
            front,
            "R\n".getBytes(StandardCharsets.US_ASCII),
            "-no_ign_eof",
            "-tls1_2",
            "-cipher",
            ANY_CIPHER);

    // BoringSSL answers no_renegotiation, the JDK (told to refuse) handshake_failure.
    assertThat(result.output())
        .contains("RENEGOTIATING")
        .containsPattern("alert (no renegotiation|handshake failure)");
  }
}
