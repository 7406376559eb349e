package io.sluice.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.observe.TerminationState;
import io.sluice.runtime.SluiceRuntime;
import io.sluice.testing.EchoServer;
import io.sluice.testing.HttpBackend;
import io.sluice.testing.OpensslClient;
import io.sluice.testing.Peers;
import io.sluice.testing.Sockets;
import io.sluice.testing.TestCertificates.KeyType;
import io.sluice.testing.TestConfigs;
import io.sluice.tls.TlsTestBed.Certificates;
import java.io.DataInputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A {@code tls} listener terminates TLS for real clients (openssl, curl, the JDK) and relays the
 * decrypted bytes to plain servers: certificates chosen by SNI, both TLS versions, every key type.
 */
class TlsTerminationIT {
  private static final byte[] REQUEST =
      "GET / HTTP/1.1\r\nHost: test\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  private final Certificates certs = TlsTestBed.certificates();
  private final List<AutoCloseable> peers = new ArrayList<>();
  private SluiceRuntime sluice;

  @AfterEach
  void stop() throws Exception {
    if (sluice != null) {
      sluice.stop(Duration.ZERO);
    }
    for (AutoCloseable peer : peers) {
      peer.close();
    }
  }

  @Test
  void servesTheCertificateTheClientAsksForBySni() throws Exception {
    InetSocketAddress front =
        startInFrontOfHttp(TlsTestBed.listener("", certs.p384(), certs.p256(), certs.rsa()));

    assertThat(served(front, "p256.test").servedSubject()).isEqualTo("CN = p256.test");
    assertThat(served(front, "rsa.test").servedSubject()).isEqualTo("CN = rsa.test");
    assertThat(served(front, "p384.test").servedSubject()).isEqualTo("CN = p384.test");
    assertThat(served(front, "device.wild.test").servedSubject()).isEqualTo("CN = p384.test");
  }

  @Test
  void servesTheFirstCertificateForAnUnknownNameAndForNoName() throws Exception {
    InetSocketAddress front =
        startInFrontOfHttp(TlsTestBed.listener("", certs.p256(), certs.rsa()));

    assertThat(served(front, "unknown.test").servedSubject()).isEqualTo("CN = p256.test");
    OpensslClient.Result noName =
        OpensslClient.run(front, REQUEST, "-noservername", "-CAfile", certs.ca().cert().toString());
    assertThat(noName.servedSubject()).isEqualTo("CN = p256.test");
    assertThat(noName.output()).contains(HttpBackend.BODY);
  }

  @ParameterizedTest(name = "{0} key over {1}")
  @CsvSource({
    "P256, -tls1_2, TLSv1.2",
    "P256, -tls1_3, TLSv1.3",
    "P384, -tls1_2, TLSv1.2",
    "P384, -tls1_3, TLSv1.3",
    "RSA, -tls1_2, TLSv1.2",
    "RSA, -tls1_3, TLSv1.3"
  })
  void relaysARequestOverEachVersionWithEachKeyType(
      KeyType type, String versionFlag, String protocol) throws Exception {
    var certificate =
        switch (type) {
          case P256 -> certs.p256();
          case P384 -> certs.p384();
          case RSA -> certs.rsa();
        };
    InetSocketAddress front = startInFrontOfHttp(TlsTestBed.listener("", certificate));
    String name = certificate.cert().getFileName().toString().replace(".pem", "");

    OpensslClient.Result result =
        OpensslClient.run(
            front,
            REQUEST,
            versionFlag,
            "-servername",
            name,
            "-CAfile",
            certs.ca().cert().toString(),
            "-verify_return_error");

    assertThat(result.verified()).as(result.output()).isTrue();
    assertThat(result.protocol()).isEqualTo(protocol);
    assertThat(result.output()).contains(HttpBackend.BODY);
    assertThat(sluice.tlsStats("front").fullHandshakes()).isEqualTo(1);
  }

  @ParameterizedTest(name = "{0} key over {1} {2}")
  @CsvSource({
    "P256, -tls1_3, ''",
    "P384, -tls1_2, ''",
    "RSA, -tls1_3, ''",
    "RSA, -tls1_2, RSA+SHA256"
  })
  void signsEachKeyTypeOnTheCryptoPool(KeyType type, String versionFlag, String sigalgs)
      throws Exception {
    var certificate =
        switch (type) {
          case P256 -> certs.p256();
          case P384 -> certs.p384();
          case RSA -> certs.rsa();
        };
    InetSocketAddress front = startInFrontOfHttp(TlsTestBed.listener("signer: jdk", certificate));
    String name = certificate.cert().getFileName().toString().replace(".pem", "");
    List<String> args =
        new ArrayList<>(
            List.of(versionFlag, "-servername", name, "-CAfile", certs.ca().cert().toString()));
    if (!sigalgs.isEmpty()) {
      args.addAll(List.of("-sigalgs", sigalgs)); // PKCS#1 v1.5 rather than PSS
    }

    OpensslClient.Result result = OpensslClient.run(front, REQUEST, args.toArray(new String[0]));

    assertThat(result.verified()).as(result.output()).isTrue();
    assertThat(result.output()).contains(HttpBackend.BODY);
    assertThat(sluice.tlsStats("front").signatures()).isEqualTo(1);
    assertThat(sluice.tlsStats("front").signsOffEventLoop()).isTrue();
  }

  @Test
  void relaysBytesBothWaysToAPlainServer() throws Exception {
    EchoServer echo = new EchoServer();
    peers.add(echo);
    sluice =
        SluiceRuntime.start(
            TlsTestBed.listener("", certs.p384()).server(echo.address()).build(), 2);
    byte[] sent = Sockets.randomBytes(256 * 1024, 7);

    try (SSLSocket socket =
        new JavaTlsClient(certs.ca().cert()).connect(TlsTestBed.front(sluice), "p384.test")) {
      Thread writer =
          new Thread(
              () -> {
                try {
                  socket.getOutputStream().write(sent);
                  socket.getOutputStream().flush();
                } catch (java.io.IOException e) {
                  // The read below fails the test.
                }
              });
      writer.start();
      byte[] received = new byte[sent.length];
      new DataInputStream(socket.getInputStream()).readFully(received);
      writer.join(10_000);
      assertThat(Sockets.sha256(received)).isEqualTo(Sockets.sha256(sent));
    }
    await()
        .until(
            () ->
                sluice.stats("front").terminations().snapshot().values().stream()
                        .mapToLong(Long::longValue)
                        .sum()
                    == 1);
    assertThat(sluice.stats("front").bytesFromClients()).isEqualTo(sent.length);
  }

  @Test
  void answersCurlThroughToAPlainHttpServerAndLogsTheHandshake(@TempDir Path dir) throws Exception {
    String curl = Peers.require("curl");
    Path accessLog = dir.resolve("access.log");
    InetSocketAddress front =
        startInFrontOfHttp(TlsTestBed.listener("", certs.p384()).accessLog(accessLog.toString()));

    Process process =
        new ProcessBuilder(
                curl,
                "--silent",
                "--show-error",
                "--max-time",
                "10",
                "--cacert",
                certs.ca().cert().toString(),
                "--resolve",
                "p384.test:" + front.getPort() + ":127.0.0.1",
                "https://p384.test:" + front.getPort() + "/")
            .redirectErrorStream(true)
            .start();
    String body = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(15, TimeUnit.SECONDS)).isTrue();

    assertThat(body).isEqualTo(HttpBackend.BODY);
    await().until(() -> Files.readString(accessLog).endsWith("\n"));
    assertThat(Files.readString(accessLog)).contains(" -- ").contains("{TLSv1.3/full}");
    await().until(() -> sluice.stats("front").terminations().get(TerminationState.NORMAL) == 1);
  }

  @Test
  void servesAReplacedCertificateToNewClientsWhileOpenOnesGoOn(@TempDir Path dir) throws Exception {
    Path cert = dir.resolve("served.pem");
    Path key = dir.resolve("served-key.pem");
    Files.copy(certs.p384().cert(), cert);
    Files.copy(certs.p384().key(), key);
    EchoServer echo = new EchoServer();
    peers.add(echo);
    sluice =
        SluiceRuntime.start(
            TestConfigs.tcp()
                .tls(
                    "{certificates: [{cert: \""
                        + cert
                        + "\", key: \""
                        + key
                        + "\", names: [renewed.test]}]}")
                .server(echo.address())
                .build(),
            2);
    JavaTlsClient client = new JavaTlsClient(certs.ca().cert());

    try (SSLSocket before = client.connect(TlsTestBed.front(sluice), "p384.test")) {
      Files.copy(certs.p256().cert(), cert, StandardCopyOption.REPLACE_EXISTING);
      Files.copy(certs.p256().key(), key, StandardCopyOption.REPLACE_EXISTING);
      sluice.checkTlsFiles();

      try (SSLSocket after = client.connect(TlsTestBed.front(sluice), "renewed.test")) {
        assertThat(subjectServedTo(after)).isEqualTo("CN=p256.test");
      }
      assertThat(subjectServedTo(before)).isEqualTo("CN=p384.test");
      before.getOutputStream().write("still here".getBytes(StandardCharsets.US_ASCII));
      byte[] echoed = new DataInputStream(before.getInputStream()).readNBytes(10);
      assertThat(new String(echoed, StandardCharsets.US_ASCII)).isEqualTo("still here");
    }
  }

  @Test
  void readsAProxyHeaderBeforeTheHandshake(@TempDir Path dir) throws Exception {
    EchoServer echo = new EchoServer();
    peers.add(echo);
    Path accessLog = dir.resolve("access.log");
    sluice =
        SluiceRuntime.start(
            TlsTestBed.listener("", certs.p384())
                .acceptProxy()
                .server(echo.address())
                .accessLog(accessLog.toString())
                .build(),
            2);
    byte[] header =
        "PROXY TCP4 192.0.2.7 127.0.0.1 51000 443\r\n".getBytes(StandardCharsets.US_ASCII);

    try (SSLSocket socket =
        new JavaTlsClient(certs.ca().cert())
            .connect(TlsTestBed.front(sluice), "p384.test", header)) {
      socket.getOutputStream().write("behind a proxy".getBytes(StandardCharsets.US_ASCII));
      byte[] echoed = new DataInputStream(socket.getInputStream()).readNBytes(14);
      assertThat(new String(echoed, StandardCharsets.US_ASCII)).isEqualTo("behind a proxy");
    }
    await().until(() -> Files.exists(accessLog) && Files.readString(accessLog).endsWith("\n"));
    assertThat(Files.readString(accessLog))
        .startsWith("192.0.2.7:51000 ")
        .contains("{TLSv1.3/full}");
  }

  @Test
  void terminatesWithTheJdkEngineWhenConfigured() throws Exception {
    InetSocketAddress front =
        startInFrontOfHttp(TlsTestBed.listener("provider: jdk", certs.p384(), certs.rsa()));

    OpensslClient.Result result = served(front, "rsa.test");

    assertThat(result.servedSubject()).isEqualTo("CN = rsa.test");
    assertThat(result.output()).contains(HttpBackend.BODY);
    assertThat(sluice.tlsStats("front").signer()).isEqualTo("jdk");
  }

  private static String subjectServedTo(SSLSocket socket) throws Exception {
    return ((java.security.cert.X509Certificate) socket.getSession().getPeerCertificates()[0])
        .getSubjectX500Principal()
        .getName();
  }

  private OpensslClient.Result served(InetSocketAddress front, String serverName) {
    return OpensslClient.run(
        front, REQUEST, "-servername", serverName, "-CAfile", certs.ca().cert().toString());
  }

  private InetSocketAddress startInFrontOfHttp(TestConfigs config) throws Exception {
    HttpBackend backend = new HttpBackend();
    peers.add(backend);
    sluice = SluiceRuntime.start(config.server(backend.address()).build(), 2);
    return TlsTestBed.front(sluice);
  }
}
