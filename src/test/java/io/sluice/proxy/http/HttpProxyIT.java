package io.sluice.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.runtime.SluiceRuntime;
import io.sluice.testing.Curl;
import io.sluice.testing.EchoHttpServer;
import io.sluice.testing.RuntimeTest;
import io.sluice.testing.TestConfigs;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HTTP/1.1 and h2c through Sluice with curl as the client and a real HTTP server behind it. */
class HttpProxyIT extends RuntimeTest {
  @TempDir Path dir;

  private String start(TestConfigs config) throws Exception {
    sluice = SluiceRuntime.start(config.build(), 2);
    return "http://" + sluice.boundAddressTexts("front").get(0);
  }

  @Test
  void relaysRequestAndResponseWithForwardedIdentity() throws Exception {
    EchoHttpServer backend = keep(EchoHttpServer.start("a"));
    String url = start(TestConfigs.http().server(backend.address()));

    Curl.Result result =
        Curl.run(
            "-i", "-H", "X-Forwarded-Proto: forged", "-H", "X-SSL-Cert: forged", url + "/x?y=1");

    assertThat(result.exit()).isZero();
    assertThat(result.out()).startsWith("HTTP/1.1 200").contains("backend: a");
    assertThat(result.out())
        .contains("x-forwarded-for: 127.0.0.1")
        .contains("x-forwarded-proto: http");
    assertThat(result.out()).contains("x-request-id: ").contains("traceparent: 00-");
    assertThat(result.out()).doesNotContain("forged");
  }

  @Test
  void keepAliveReusesOneServerConnectionForManyRequests() throws Exception {
    EchoHttpServer backend = keep(EchoHttpServer.start("a"));
    String url = start(TestConfigs.http().server(backend.address()));

    Curl.Result result =
        Curl.run(
            url + "/1",
            url + "/2",
            url + "/3",
            "-o",
            "/dev/null",
            "-o",
            "/dev/null",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code} %{num_connects}\\n");

    assertThat(result.out()).isEqualTo("200 1\n200 0\n200 0\n");
    assertThat(backend.requests()).isEqualTo(3);
  }

  @Test
  void h2cPriorKnowledgeAndPostBodies() throws Exception {
    EchoHttpServer backend = keep(EchoHttpServer.start("a"));
    String url = start(TestConfigs.http().server(backend.address()));
    Path body = dir.resolve("body");
    Files.write(body, new byte[200_000]);

    Curl.Result h2 = Curl.run("-i", "--http2-prior-knowledge", url + "/h2");
    Curl.Result post = Curl.run("--data-binary", "@" + body, url + "/post");
    Curl.Result chunked =
        Curl.run("-H", "Transfer-Encoding: chunked", "--data-binary", "@" + body, url + "/chunked");
    Curl.Result h2post =
        Curl.run("--http2-prior-knowledge", "--data-binary", "@" + body, url + "/h2post");

    assertThat(h2.out()).startsWith("HTTP/2 200").contains("backend: a");
    assertThat(post.out()).contains("method: POST").contains("body-bytes: 200000");
    assertThat(chunked.out()).contains("body-bytes: 200000");
    assertThat(h2post.out()).contains("body-bytes: 200000");
  }

  @Test
  void noRouteIs404AndUnknownPoolTargetIs503() throws Exception {
    EchoHttpServer backend = keep(EchoHttpServer.start("a"));
    TestConfigs config =
        TestConfigs.http()
            .server(backend.address())
            .listener("routes", "[{hosts: [\"*.example.com\"], pool: back}]")
            .listener("http", "{target_header: x-target}");
    String yaml = config.yaml().replace("    pool: back\n    protocol", "    protocol");
    sluice = SluiceRuntime.start(io.sluice.config.ConfigLoader.parse(yaml, "t.yaml").config(), 2);
    String url = "http://" + sluice.boundAddressTexts("front").get(0);

    Curl.Result none = Curl.run("-i", url + "/");
    Curl.Result routed = Curl.run("-i", "-H", "Host: app.example.com", url + "/");
    Curl.Result badTarget =
        Curl.run("-i", "-H", "Host: app.example.com", "-H", "x-target: 127.0.0.1:1", url + "/");
    Curl.Result goodTarget =
        Curl.run(
            "-i", "-H", "Host: app.example.com", "-H", "x-target: " + backend.address(), url + "/");

    assertThat(none.out()).startsWith("HTTP/1.1 404");
    assertThat(routed.out()).startsWith("HTTP/1.1 200");
    assertThat(badTarget.out()).startsWith("HTTP/1.1 503");
    assertThat(goodTarget.out()).startsWith("HTTP/1.1 200").doesNotContain("x-target");
  }

  @Test
  void aWebSocketUpgradeBecomesATunnel() throws Exception {
    java.net.ServerSocket upstream =
        keep(new java.net.ServerSocket(0, 10, java.net.InetAddress.getLoopbackAddress()));
    Thread echo =
        new Thread(
            () -> {
              try (java.net.Socket socket = upstream.accept()) {
                java.io.InputStream in = socket.getInputStream();
                String head = readHead(in);
                if (!head.toLowerCase(java.util.Locale.ROOT).contains("upgrade: websocket")) {
                  return;
                }
                socket
                    .getOutputStream()
                    .write(
                        ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                                + "Connection: Upgrade\r\nSec-WebSocket-Accept: test\r\n\r\n")
                            .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                in.transferTo(socket.getOutputStream());
              } catch (java.io.IOException ignored) {
                // the test's client side decides the outcome
              }
            });
    echo.setDaemon(true);
    echo.start();
    String url = start(TestConfigs.http().server("127.0.0.1:" + upstream.getLocalPort()));
    try (java.net.Socket client = new java.net.Socket()) {
      connect(client, url);
      client
          .getOutputStream()
          .write(
              ("GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                      + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                  .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      String head = readHead(client.getInputStream());
      assertThat(head).startsWith("HTTP/1.1 101").containsIgnoringCase("upgrade: websocket");
      byte[] payload = io.sluice.testing.Sockets.randomBytes(100_000, 7);
      Thread writer =
          new Thread(
              () -> {
                try {
                  client.getOutputStream().write(payload);
                } catch (java.io.IOException ignored) {
                  // the read below fails the test
                }
              });
      writer.start();
      byte[] back = client.getInputStream().readNBytes(payload.length);
      assertThat(back).isEqualTo(payload);
    }
  }

  /** Sends {@code raw} on a connection of its own and reads everything until the close. */
  private static String exchange(String url, String raw) throws java.io.IOException {
    try (java.net.Socket client = new java.net.Socket()) {
      connect(client, url);
      client.getOutputStream().write(raw.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      return new String(
          client.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
    }
  }

  private static void connect(java.net.Socket client, String url) throws java.io.IOException {
    client.connect(
        io.sluice.testing.Sockets.loopback(
            Integer.parseInt(url.substring(url.lastIndexOf(':') + 1))));
    client.setSoTimeout(10_000);
  }

  private static String readHead(java.io.InputStream in) throws java.io.IOException {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        break;
      }
      head.append((char) b);
    }
    return head.toString();
  }

  @Test
  void aClientThatStallsItsBodyGets408() throws Exception {
    EchoHttpServer backend = keep(EchoHttpServer.start("a"));
    String url =
        start(
            TestConfigs.http()
                .server(backend.address())
                .listener("http", "{timeouts: {body: 300ms}}"));
    long start = System.nanoTime();
    String answer =
        exchange(url, "POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly-part");
    assertThat(answer).startsWith("HTTP/1.1 408");
    assertThat(java.time.Duration.ofNanos(System.nanoTime() - start))
        .isLessThan(java.time.Duration.ofSeconds(3));
  }

  @Test
  void pipelinedRequestsAreAnsweredInOrder() throws Exception {
    EchoHttpServer backend = keep(EchoHttpServer.start("a"));
    String url = start(TestConfigs.http().server(backend.address()));
    String all =
        exchange(
            url,
            "GET /first?sleep=200 HTTP/1.1\r\nHost: x\r\n\r\n"
                + "GET /second HTTP/1.1\r\nHost: x\r\n\r\n"
                + "GET /third HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assertThat(all.split("HTTP/1.1 200", -1)).hasSize(4);
    assertThat(all.indexOf("path: /first")).isPositive().isLessThan(all.indexOf("path: /second"));
    assertThat(all.indexOf("path: /second")).isLessThan(all.indexOf("path: /third"));
  }

  @Test
  void anHttp2RapidResetFloodEndsThatConnectionOnly() throws Exception {
    EchoHttpServer backend = keep(EchoHttpServer.start("a"));
    String url =
        start(
            TestConfigs.http()
                .server(backend.address())
                .listener("http", "{h2: {max_resets_per_minute: 50}}"));
    java.io.ByteArrayOutputStream frames = new java.io.ByteArrayOutputStream();
    frames.write(
        "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    frames.write(new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0}); // empty SETTINGS
    // GET / with :authority "localhost", HPACK without indexing: the same bytes for every stream.
    byte[] block = {
      (byte) 0x82, (byte) 0x86, (byte) 0x84, 0x01, 9, 'l', 'o', 'c', 'a', 'l', 'h', 'o', 's', 't'
    };
    for (int stream = 1; stream < 2 * 500; stream += 2) {
      frames.write(new byte[] {0, 0, (byte) block.length, 1, 5});
      frames.write(java.nio.ByteBuffer.allocate(4).putInt(stream).array());
      frames.write(block);
      frames.write(new byte[] {0, 0, 4, 3, 0});
      frames.write(java.nio.ByteBuffer.allocate(4).putInt(stream).array());
      frames.write(new byte[] {0, 0, 0, 8}); // CANCEL
    }
    try (java.net.Socket client = new java.net.Socket()) {
      connect(client, url);
      try {
        client.getOutputStream().write(frames.toByteArray());
      } catch (java.io.IOException closedWhileWriting) {
        // the connection may be gone before the whole flood is written
      }
      byte[] answer = client.getInputStream().readAllBytes();
      // A GOAWAY (type 7) with ENHANCE_YOUR_CALM (0xb), then the end of the connection.
      boolean goAway = false;
      for (int at = 0; at + 9 <= answer.length; ) {
        int length =
            ((answer[at] & 0xff) << 16) | ((answer[at + 1] & 0xff) << 8) | (answer[at + 2] & 0xff);
        if (answer[at + 3] == 7 && at + 9 + 8 <= answer.length) {
          goAway |= answer[at + 9 + 7] == 0xb;
        }
        at += 9 + length;
      }
      assertThat(goAway).isTrue();
    } catch (java.net.SocketException reset) {
      // A reset instead of a clean close is an ending too.
    }
    assertThat(Curl.run("--http2-prior-knowledge", url + "/after").out()).contains("backend: a");
  }

  @Test
  void aProxyHeadersClientIsTheOneServersAreToldOf() throws Exception {
    EchoHttpServer backend = keep(EchoHttpServer.start("a"));
    String url =
        start(
            TestConfigs.http()
                .server(backend.address())
                .acceptProxy()
                .listener("http", "{forwarded: {x_forwarded_for: replace, forwarded: true}}"));
    String answer =
        exchange(
            url,
            "PROXY TCP4 203.0.113.7 10.0.0.1 5555 80\r\nGET / HTTP/1.1\r\nHost: app\r\n"
                + "X-Forwarded-For: 1.2.3.4\r\nConnection: close\r\n\r\n");
    assertThat(answer)
        .startsWith("HTTP/1.1 200")
        .contains("x-forwarded-for: 203.0.113.7\n")
        .contains("forwarded: for=203.0.113.7;proto=http;host=\"app\"");
  }

  @Test
  void anHttp10RequestWithoutHostReachesTheServerWithTheEmptyHostHttp11Requires() throws Exception {
    EchoHttpServer backend = keep(EchoHttpServer.start("a"));
    String url = start(TestConfigs.http().server(backend.address()));

    String answer = exchange(url, "GET /old HTTP/1.0\r\n\r\n");

    assertThat(answer).startsWith("HTTP/1.1 200").contains("path: /old");
    assertThat(backend.seen()).hasSize(1);
    assertThat(backend.seen().get(0)).containsEntry("host", "");
  }

  @Test
  void routesMatchHostPathMethodAndHeaderInOrder() throws Exception {
    EchoHttpServer api = keep(EchoHttpServer.start("api"));
    EchoHttpServer web = keep(EchoHttpServer.start("web"));
    String yaml =
        TestConfigs.http()
                .server(web.address())
                .yaml()
                .replace("    pool: back\n", "    pool: web\n")
            + "  - name: api\n    servers: [{address: \""
            + api.address()
            + "\"}]\n";
    yaml =
        yaml.replace("pools:\n  - name: back\n", "pools:\n  - name: web\n")
            .replace(
                "    protocol: http\n",
                "    protocol: http\n    routes:\n"
                    + "      - {hosts: [api.example.com], path: /exact, pool: api}\n"
                    + "      - {path_regex: \"/v[0-9]+/items\", methods: [POST], pool: api}\n"
                    + "      - {headers: {x-tenant: blue}, pool: api}\n"
                    + "      - {hosts: [\"*.example.com\"], path_prefix: /static/, pool: web}\n");
    io.sluice.config.ConfigResult parsed = io.sluice.config.ConfigLoader.parse(yaml, "t.yaml");
    assertThat(parsed.errors()).isEmpty();
    sluice = SluiceRuntime.start(parsed.config(), 2);
    String url = "http://" + sluice.boundAddressTexts("front").get(0);

    assertThat(Curl.run("-H", "Host: API.example.com:8080", url + "/exact").out())
        .contains("backend: api");
    assertThat(Curl.run("-H", "Host: api.example.com", url + "/exact/more").out())
        .contains("backend: web");
    assertThat(Curl.run("-d", "x", url + "/v2/items").out()).contains("backend: api");
    assertThat(Curl.run(url + "/v2/items").out()).contains("backend: web");
    assertThat(Curl.run("-H", "x-tenant: blue", url + "/any").out()).contains("backend: api");
    assertThat(Curl.run("-H", "x-tenant: green", url + "/any").out()).contains("backend: web");
    assertThat(Curl.run("-H", "Host: cdn.example.com", url + "/static/a.css").out())
        .contains("backend: web");
  }
}
