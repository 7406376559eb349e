package io.sluice.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.runtime.SluiceRuntime;
import io.sluice.testing.EchoHttpServer;
import io.sluice.testing.RuntimeTest;
import io.sluice.testing.TestConfigs;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Overload answers, "full" replays and connect-failure retries, with real HTTP servers. */
class HttpOverloadIT extends RuntimeTest {
  private static final Pattern RETRY_AFTER = Pattern.compile("(?im)^retry-after: (\\d+)");

  /** One request on its own connection: status, Retry-After (-1 if none), the server, elapsed. */
  record Answer(int status, int retryAfter, String backend, long millis) {}

  private InetSocketAddress address;

  private Answer get(String path) throws IOException {
    long start = System.nanoTime();
    try (Socket socket = new Socket()) {
      socket.connect(address, 2000);
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(
          ("GET " + path + " HTTP/1.1\r\nHost: app\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      InputStream in = socket.getInputStream();
      String text = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
      long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      int status = Integer.parseInt(text.substring(9, 12));
      Matcher retry = RETRY_AFTER.matcher(text);
      Matcher backend = Pattern.compile("(?im)^x-backend: (\\w+)").matcher(text);
      return new Answer(
          status,
          retry.find() ? Integer.parseInt(retry.group(1)) : -1,
          backend.find() ? backend.group(1) : null,
          millis);
    }
  }

  private void start(TestConfigs config) throws Exception {
    sluice = SluiceRuntime.start(config.build(), 2);
    address = (InetSocketAddress) sluice.boundAddresses("front").get(0);
  }

  @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir;

  @Test
  void excessRequestsGetAnImmediate429WithRetryAfterSpreadOverTheRange() throws Exception {
    EchoHttpServer slow = keep(EchoHttpServer.start("slow"));
    java.nio.file.Path log = dir.resolve("access.log");
    start(
        TestConfigs.http()
            .accessLog(log.toString())
            .server(slow.address(), "max_connections: 2")
            .pool("queue", "{max: 2, timeout: 300ms}")
            .listener("http", "{overload: {status: 429, retry_after: 10s..60s}}")
            .top("admin", "{bind: \"127.0.0.1:0\"}"));
    int clients = 40;
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    try {
      List<Future<Answer>> answers = new ArrayList<>();
      for (int i = 0; i < clients; i++) {
        answers.add(pool.submit(() -> get("/?sleep=1500")));
      }
      int ok = 0;
      Set<Integer> retryAfters = new HashSet<>();
      long slowestRefusal = 0;
      for (Future<Answer> future : answers) {
        Answer answer = future.get(20, TimeUnit.SECONDS);
        if (answer.status() == 200) {
          ok++;
          continue;
        }
        assertThat(answer.status()).isEqualTo(429);
        assertThat(answer.retryAfter()).isBetween(10, 60);
        retryAfters.add(answer.retryAfter());
        slowestRefusal = Math.max(slowestRefusal, answer.millis());
      }
      // Two in service, refused before either could free its slot, and told to come back at many
      // different times.
      assertThat(ok).isEqualTo(2);
      assertThat(slowestRefusal).isLessThan(1500);
      assertThat(retryAfters).hasSizeGreaterThan(10);
      assertThat(slow.maxInFlight()).isLessThanOrEqualTo(2);
      String scrape =
          io.sluice.testing.Curl.run(
                  "http://"
                      + io.sluice.net.SocketAddresses.format(sluice.adminAddress())
                      + "/metrics")
              .out();
      assertThat(scrape)
          .contains(
              "sluice_http_overload_answers_total{listener=\"front\"} " + (clients - 2) + ".0")
          .contains(
              "sluice_http_responses_total{class=\"4xx\",listener=\"front\"} "
                  + (clients - 2)
                  + ".0")
          .contains("sluice_http_responses_total{class=\"2xx\",listener=\"front\"} 2.0");
      // Sluice's own clock (the log's Tw): the few that found room in the queue waited no longer
      // than its timeout (and a loaded machine's timer lateness); most never queued at all.
      sluice.stop(java.time.Duration.ZERO);
      sluice = null;
      List<Long> waits = new ArrayList<>();
      for (String line : java.nio.file.Files.readAllLines(log)) {
        if (line.contains(" 429 ")) {
          String timers = line.split(" ")[4];
          waits.add(Long.parseLong(timers.split("/")[1]));
        }
      }
      assertThat(waits).hasSize(clients - 2);
      assertThat(waits.stream().filter(w -> w >= 0)).allMatch(w -> w <= 300 + 250);
      assertThat(waits.stream().filter(w -> w < 0).count()).isGreaterThan(clients / 2);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aServerThatSaysFullIsNeverSeenByClientsWhileAnotherHasRoom() throws Exception {
    EchoHttpServer full = keep(EchoHttpServer.start("full"));
    full.answerAlways(503, "sluice-full");
    EchoHttpServer roomy = keep(EchoHttpServer.start("roomy"));
    start(
        TestConfigs.http()
            .server(full.address())
            .server(roomy.address())
            .pool("http", "{full_status: 503, full_header: sluice-full}")
            .pool("retry", "{attempts: 2, budget: 100%, min_per_second: 1000}"));

    for (int i = 0; i < 30; i++) {
      Answer answer = get("/x");
      assertThat(answer.status()).isEqualTo(200);
      assertThat(answer.backend()).isEqualTo("roomy");
    }
    assertThat(full.requests()).isGreaterThan(0);
    assertThat(sluice.httpStats("front").fullReplays()).isEqualTo(full.requests());
  }

  @Test
  void aRefusedConnectIsRetriedOnAnotherServer() throws Exception {
    EchoHttpServer good = keep(EchoHttpServer.start("good"));
    int closedPort;
    try (java.net.ServerSocket probe = new java.net.ServerSocket(0)) {
      closedPort = probe.getLocalPort();
    }
    start(
        TestConfigs.http()
            .server("127.0.0.1:" + closedPort)
            .server(good.address())
            .pool("retry", "{attempts: 2, budget: 100%, min_per_second: 1000}"));

    for (int i = 0; i < 20; i++) {
      assertThat(get("/").status()).isEqualTo(200);
    }
    assertThat(sluice.httpStats("front").retries()).isGreaterThan(0);
  }

  @Test
  void aRouteBudgetRefusesItsOwnExcessOnly() throws Exception {
    EchoHttpServer server = keep(EchoHttpServer.start("s"));
    start(
        TestConfigs.http()
            .server(server.address())
            .listener(
                "routes", "[{name: noisy, path_prefix: /noisy, pool: back, max_concurrent: 2}]"));
    ExecutorService pool = Executors.newFixedThreadPool(12);
    try {
      List<Future<Answer>> noisy = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        noisy.add(pool.submit(() -> get("/noisy?sleep=3000")));
      }
      Thread.sleep(300);
      Answer quiet = get("/quiet");
      int refused = 0;
      for (Future<Answer> future : noisy) {
        if (future.get(20, TimeUnit.SECONDS).status() == 429) {
          refused++;
        }
      }
      assertThat(quiet.status()).isEqualTo(200);
      assertThat(quiet.millis()).isLessThan(2000);
      assertThat(refused).isEqualTo(8);
    } finally {
      pool.shutdownNow();
    }
  }
}
