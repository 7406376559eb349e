package io.sluice.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testing.HttpBackend;
import io.sluice.testing.OpensslClient;
import io.sluice.testing.SluiceProcess;
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
 * Two Sluice processes sharing an 80-byte ticket key file (the format nginx and HAProxy share)
 * resume each other's sessions, as a fleet behind one name must; a process whose key has the same
 * name but other secret bytes does not.
 */
class TicketKeyFileAcrossProcessesIT {
  private static final byte[] REQUEST =
      "GET / HTTP/1.1\r\nHost: test\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  private final Certificates certs = TlsTestBed.certificates();
  private final List<SluiceProcess> processes = new ArrayList<>();
  private HttpBackend backend;
  @TempDir Path dir;

  @BeforeEach
  void startBackend() throws Exception {
    backend = new HttpBackend();
  }

  @AfterEach
  void stop() throws Exception {
    processes.forEach(SluiceProcess::close);
    backend.close();
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"-tls1_2", "-tls1_3"})
  void resumesOnAnotherProcessSharingAn80ByteKeyFile(String version) throws Exception {
    byte[] key = new byte[80];
    new SecureRandom().nextBytes(key);
    byte[] sameNameOtherSecret = key.clone();
    sameNameOtherSecret[79] ^= 1;
    InetSocketAddress first = start(keyFile("shared", key));
    InetSocketAddress second = start(keyFile("shared-copy", key));
    InetSocketAddress other = start(keyFile("other", sameNameOtherSecret));
    Path session = dir.resolve("session.pem");

    OpensslClient.Result full = connect(first, version, "-sess_out", session.toString());
    OpensslClient.Result resumed = connect(second, version, "-sess_in", session.toString());
    OpensslClient.Result refused = connect(other, version, "-sess_in", session.toString());

    assertThat(full.output()).as(full.output()).contains(HttpBackend.BODY);
    assertThat(full.reused()).isFalse();
    assertThat(resumed.reused()).as(resumed.output()).isTrue();
    assertThat(resumed.output()).contains(HttpBackend.BODY);
    assertThat(refused.reused()).as("the secret bytes, not only the name, must match").isFalse();
    assertThat(refused.output()).contains(HttpBackend.BODY);
  }

  private Path keyFile(String name, byte[] key) throws Exception {
    Path file = dir.resolve(name);
    Files.writeString(file, Base64.getEncoder().encodeToString(key) + "\n");
    return file;
  }

  private InetSocketAddress start(Path keyFile) throws Exception {
    Path config = Files.createTempFile(dir, "sluice", ".yaml");
    Files.writeString(
        config,
        TlsTestBed.listener(
                "session_tickets: {key_file: \"" + keyFile + "\"}, signer: boringssl", certs.p384())
            .server(backend.address())
            .yaml());
    SluiceProcess sluice = SluiceProcess.start(dir, "run", "-c", config.toString());
    processes.add(sluice);
    if (killedBeforeSpeaking(sluice)) {
      // Killed from outside before it printed a line (shared CI machines): once more.
      sluice = SluiceProcess.start(dir, "run", "-c", config.toString());
      processes.add(sluice);
    }
    String port =
        sluice.awaitOutput("listener front on 127\\.0\\.0\\.1:(\\d+)", Duration.ofSeconds(30));
    return new InetSocketAddress("127.0.0.1", Integer.parseInt(port));
  }

  /** Whether the process ended, silent, by a signal: not Sluice's doing. */
  private static boolean killedBeforeSpeaking(SluiceProcess sluice) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (sluice.isAlive()
        && sluice.stdout().isEmpty()
        && sluice.stderr().isEmpty()
        && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    return !sluice.isAlive()
        && sluice.stdout().isEmpty()
        && sluice.stderr().isEmpty()
        && sluice.awaitExit(Duration.ofSeconds(1)) > 128;
  }

  private OpensslClient.Result connect(InetSocketAddress front, String version, String... more) {
    List<String> args =
        new ArrayList<>(
            List.of(version, "-servername", "p384.test", "-CAfile", certs.ca().cert().toString()));
    args.addAll(List.of(more));
    return OpensslClient.run(front, REQUEST, args.toArray(new String[0]));
  }
}
