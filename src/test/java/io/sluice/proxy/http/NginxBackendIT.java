package io.sluice.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.runtime.SluiceRuntime;
import io.sluice.testing.Curl;
import io.sluice.testing.H2load;
import io.sluice.testing.NginxPeer;
import io.sluice.testing.RuntimeTest;
import io.sluice.testing.Sockets;
import io.sluice.testing.TestConfigs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * nginx behind an {@code http} listener: curl over HTTP/1.1 keep-alive and over h2c, and h2load's
 * thousands of requests over HTTP/2 and HTTP/1.1, each answered whole by a real web server.
 */
class NginxBackendIT extends RuntimeTest {
  private static final byte[] SMALL = "small file\n".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] OTHER = "other file\n".getBytes(StandardCharsets.US_ASCII);

  /** Larger than any socket buffer, so the relay's backpressure is on the path. */
  private static final byte[] LARGE = Sockets.randomBytes(3 * 1024 * 1024, 7);

  @RegisterExtension final NginxPeer nginx = new NginxPeer();
  @TempDir Path dir;

  private String url;

  @BeforeEach
  void start() throws Exception {
    nginx.start(Map.of("small.txt", SMALL, "other.txt", OTHER, "large.bin", LARGE));
    sluice = SluiceRuntime.start(TestConfigs.http().server(nginx.address()).build(), 2);
    url = "http://" + sluice.boundAddressTexts("front").get(0);
  }

  @Test
  void curlKeepAliveFetchesSeveralFilesOverOneConnection() throws Exception {
    Curl.Result result =
        Curl.run(
            url + "/small.txt",
            "-o",
            dir.resolve("small").toString(),
            url + "/large.bin",
            "-o",
            dir.resolve("large").toString(),
            url + "/other.txt",
            "-o",
            dir.resolve("other").toString(),
            url + "/whoami",
            "-o",
            dir.resolve("whoami").toString(),
            "-w",
            "%{http_code} %{http_version} %{num_connects}\\n");

    assertThat(result.exit()).as(result.err()).isZero();
    assertThat(result.out()).isEqualTo("200 1.1 1\n200 1.1 0\n200 1.1 0\n200 1.1 0\n");
    assertThat(Files.readAllBytes(dir.resolve("small"))).isEqualTo(SMALL);
    assertThat(Files.readAllBytes(dir.resolve("large"))).isEqualTo(LARGE);
    assertThat(Files.readAllBytes(dir.resolve("other"))).isEqualTo(OTHER);
    assertThat(Files.readString(dir.resolve("whoami")))
        .startsWith("method=GET host=127.0.0.1 proto=http for=127.0.0.1");
    assertThat(nginx.accessLog()).hasSize(4);
    assertThat(nginx.connections()).as("one kept-alive server connection").hasSize(1);
  }

  /**
   * One URL per curl: curl 7.88 (Debian 12) fails a second prior-knowledge request on a reused
   * connection itself, before sending it (curl issue 10634, fixed in 7.89); h2load below
   * multiplexes thousands of streams over each connection instead.
   */
  @Test
  void curlH2cPriorKnowledgeFetchesFilesFromAnHttp1Server() throws Exception {
    Curl.Result large =
        Curl.run(
            "--http2-prior-knowledge",
            url + "/large.bin",
            "-o",
            dir.resolve("large").toString(),
            "-w",
            "%{http_code} %{http_version}");
    Curl.Result whoami =
        Curl.run(
            "--http2-prior-knowledge",
            url + "/whoami",
            "-o",
            dir.resolve("whoami").toString(),
            "-w",
            "%{http_code} %{http_version}");

    assertThat(large.exit()).as(large.err()).isZero();
    assertThat(large.out()).isEqualTo("200 2");
    assertThat(whoami.out()).isEqualTo("200 2");
    assertThat(Files.readAllBytes(dir.resolve("large"))).isEqualTo(LARGE);
    assertThat(Files.readString(dir.resolve("whoami")))
        .startsWith("method=GET host=127.0.0.1 proto=http for=127.0.0.1");
  }

  @Test
  void h2loadOverH2cGetsEveryAnswer() throws Exception {
    H2load.Result result = H2load.run("-n", "2000", "-c", "10", "-m", "10", url + "/small.txt");

    assertThat(result.statusCodes()).as(result.out()).isEqualTo(statusCodes(2000));
    assertThat(result.succeeded()).isEqualTo(2000);
    assertThat(result.failed()).isZero();
    assertThat(result.out()).contains("Application protocol: h2c");
    assertThat(nginx.accessLog()).hasSize(2000);
  }

  @Test
  void h2loadOverHttp1WithPipeliningGetsEveryAnswer() throws Exception {
    H2load.Result result =
        H2load.run("--h1", "-n", "2000", "-c", "10", "-m", "10", url + "/small.txt");

    assertThat(result.statusCodes()).as(result.out()).isEqualTo(statusCodes(2000));
    assertThat(result.succeeded()).isEqualTo(2000);
    assertThat(result.failed()).isZero();
    assertThat(result.out()).contains("Application protocol: http/1.1");
    assertThat(nginx.accessLog()).hasSize(2000);
    // Ten client connections, each with one request at a server at a time: kept-alive server
    // connections are reused rather than opened per request.
    assertThat(nginx.connections().size()).isLessThanOrEqualTo(20);
  }

  private static String statusCodes(int ok) {
    return "status codes: " + ok + " 2xx, 0 3xx, 0 4xx, 0 5xx";
  }
}
