package io.sluice.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.runtime.SluiceRuntime;
import io.sluice.testing.HttpBackend;
import io.sluice.testing.OpensslClient;
import io.sluice.tls.TlsTestBed.Certificates;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Resumption: a client that kept its session (a TLS 1.2 ticket or a TLS 1.3 PSK) skips the
 * signature on its next connection, also on another Sluice instance sharing the ticket key file.
 */
class TlsResumptionIT {
  private static final byte[] REQUEST =
      "GET / HTTP/1.1\r\nHost: test\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  private final Certificates certs = TlsTestBed.certificates();
  private final List<SluiceRuntime> instances = new ArrayList<>();
  private HttpBackend backend;
  @TempDir Path dir;

  @BeforeEach
  void startBackend() throws Exception {
    backend = new HttpBackend();
  }

  @AfterEach
  void stop() throws Exception {
    for (SluiceRuntime sluice : instances) {
      sluice.stop(Duration.ZERO);
    }
    backend.close();
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"-tls1_2", "-tls1_3"})
  void resumesASessionWithoutSigningAgain(String version) throws Exception {
    SluiceRuntime sluice = start("signer: jdk");
    Path session = dir.resolve("session.pem");

    OpensslClient.Result first = connect(sluice, version, "-sess_out", session.toString());
    OpensslClient.Result second = connect(sluice, version, "-sess_in", session.toString());

    assertThat(first.reused()).isFalse();
    assertThat(second.reused()).as(second.output()).isTrue();
    assertThat(second.output()).contains(HttpBackend.BODY);
    TlsStats stats = sluice.tlsStats("front");
    assertThat(stats.fullHandshakes()).isEqualTo(1);
    assertThat(stats.resumedHandshakes()).isEqualTo(1);
    assertThat(stats.signatures()).as("the async signer signs full handshakes only").isEqualTo(1);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"-tls1_2", "-tls1_3"})
  void resumesOnAnotherInstanceSharingTheTicketKeyFile(String version) throws Exception {
    Path keys = dir.resolve("ticket-keys");
    SecureRandom random = new SecureRandom();
    byte[] encrypting = new byte[80];
    byte[] older = new byte[48];
    random.nextBytes(encrypting);
    random.nextBytes(older);
    Files.writeString(
        keys,
        Base64.getEncoder().encodeToString(encrypting)
            + "\n"
            + Base64.getEncoder().encodeToString(older)
            + "\n");
    String tickets = "session_tickets: {key_file: \"" + keys + "\"}";
    SluiceRuntime first = start(tickets);
    SluiceRuntime second = start(tickets);
    Path session = dir.resolve("session.pem");

    connect(first, version, "-sess_out", session.toString());
    OpensslClient.Result resumed = connect(second, version, "-sess_in", session.toString());

    assertThat(resumed.reused()).as(resumed.output()).isTrue();
    assertThat(first.tlsStats("front").fullHandshakes()).isEqualTo(1);
    assertThat(second.tlsStats("front").resumedHandshakes()).isEqualTo(1);
    assertThat(second.tlsStats("front").fullHandshakes()).isZero();
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"-tls1_2", "-tls1_3"})
  void makesAFullHandshakeOnAnInstanceWithOtherKeys(String version) throws Exception {
    SluiceRuntime first = start("");
    SluiceRuntime second = start("");
    Path session = dir.resolve("session.pem");

    connect(first, version, "-sess_out", session.toString());
    OpensslClient.Result other = connect(second, version, "-sess_in", session.toString());

    assertThat(other.reused()).isFalse();
    assertThat(other.output()).contains(HttpBackend.BODY);
    assertThat(second.tlsStats("front").fullHandshakes()).isEqualTo(1);
  }

  private SluiceRuntime start(String tlsKeys) throws Exception {
    SluiceRuntime sluice =
        SluiceRuntime.start(
            TlsTestBed.listener(tlsKeys, certs.p384()).server(backend.address()).build(), 2);
    instances.add(sluice);
    return sluice;
  }

  private OpensslClient.Result connect(SluiceRuntime sluice, String version, String... more) {
    InetSocketAddress front = TlsTestBed.front(sluice);
    List<String> args =
        new ArrayList<>(
            List.of(version, "-servername", "p384.test", "-CAfile", certs.ca().cert().toString()));
    args.addAll(List.of(more));
    return OpensslClient.run(front, REQUEST, args.toArray(new String[0]));
  }
}
