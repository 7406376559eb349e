package io.sluice.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.runtime.SluiceRuntime;
import io.sluice.testing.RuntimeTest;
import io.sluice.testing.TestConfigs;
import io.sluice.testing.WorkerPoolHttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The queue against servers serving at a known rate: hopeless newcomers refused at once, a standing
 * queue drained by CoDel's rule, Retry-After from the measured drain rate.
 */
class DeadlineQueueIT extends RuntimeTest {
  private static final Pattern RETRY_AFTER = Pattern.compile("(?im)^retry-after: (\\d+)");

  record Answer(int status, int retryAfter, long millis) {}

  private InetSocketAddress address;

  private void start(WorkerPoolHttpServer backend, String serverKeys, String queue)
      throws Exception {
    sluice =
        SluiceRuntime.start(
            TestConfigs.http()
                .server(backend.address(), serverKeys)
                .pool("queue", queue)
                .listener("http", "{overload: {status: 503, retry_after: 1s..30s}}")
                .build(),
            2);
    address = (InetSocketAddress) sluice.boundAddresses("front").get(0);
  }

  private Answer get() throws IOException {
    long start = System.nanoTime();
    try (Socket socket = new Socket()) {
      socket.connect(address, 2000);
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(
          "GET / HTTP/1.1\r\nHost: app\r\nConnection: close\r\n\r\n"
              .getBytes(StandardCharsets.US_ASCII));
      InputStream in = socket.getInputStream();
      String text = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
      long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      Matcher retry = RETRY_AFTER.matcher(text);
      return new Answer(
          Integer.parseInt(text.substring(9, 12)),
          retry.find() ? Integer.parseInt(retry.group(1)) : -1,
          millis);
    }
  }

  private List<Answer> burst(int clients) throws Exception {
    ExecutorService threads = Executors.newFixedThreadPool(clients);
    try {
      List<Future<Answer>> futures = new ArrayList<>();
      for (int i = 0; i < clients; i++) {
        futures.add(threads.submit(this::get));
      }
      List<Answer> answers = new ArrayList<>();
      for (Future<Answer> future : futures) {
        answers.add(future.get(30, TimeUnit.SECONDS));
      }
      return answers;
    } finally {
      threads.shutdownNow();
    }
  }

  @Test
  void requestsThatCouldNotBeServedInTimeAreRefusedAtOnceAndTheRestAreServed() throws Exception {
    // Two workers at 100 ms: 20 requests a second. A 600 ms queue timeout serves about a dozen
    // waiters behind the two in service.
    WorkerPoolHttpServer backend = keep(WorkerPoolHttpServer.start(2, 100));
    start(backend, "max_connections: 2", "{max: 1000, timeout: 600ms, target: 600ms}");
    // A first burst that queues teaches the pool the drain rate.
    burst(8);
    assertThat(sluice.pool("back").drainRate().perSecond()).isBetween(8.0, 30.0);

    List<Answer> answers = burst(40);
    int served = 0;
    int refused = 0;
    long slowestRefusal = 0;
    for (Answer answer : answers) {
      if (answer.status() == 200) {
        served++;
      } else {
        assertThat(answer.status()).isEqualTo(503);
        refused++;
        slowestRefusal = Math.max(slowestRefusal, answer.millis());
        assertThat(answer.retryAfter()).isBetween(1, 30);
      }
    }
    // 2 in service and 12 waiters fit within 600 ms at 20 a second; the estimate may be off by a
    // few either way on a loaded machine.
    assertThat(served).isBetween(8, 18);
    assertThat(refused).isEqualTo(40 - served);
    // Refused at once, not after 600 ms in the queue.
    assertThat(slowestRefusal).as("answers %s", answers).isLessThan(150);
    assertThat(sluice.pool("back").refusedEarly()).isEqualTo(refused);
  }

  @Test
  void aStandingQueueDrainsUnderTheCodelRule() throws Exception {
    // One worker at 50 ms: 20 a second; clients arrive at about 60 a second.
    WorkerPoolHttpServer backend = keep(WorkerPoolHttpServer.start(1, 50));
    start(backend, "max_connections: 1", "{max: 200, timeout: 3s, target: 5ms, interval: 100ms}");
    List<Integer> lengths = arrivalsWhileRecordingTheQueue();
    int peak = lengths.stream().mapToInt(Integer::intValue).max().orElse(0);
    double average = lengths.stream().mapToInt(Integer::intValue).average().orElse(0);
    // Without CoDel the queue holds everyone not yet served, over 20 within two seconds even on a
    // loaded machine (the next test); with it, whoever joins a queue standing for 100 ms may wait 5
    // ms only, so it keeps
    // draining to a few.
    assertThat(peak).as("queue lengths %s", lengths).isLessThan(15);
    assertThat(average).as("queue lengths %s", lengths).isLessThan(8);
  }

  @Test
  void withoutCodelTheSameArrivalsBuildAStandingQueue() throws Exception {
    WorkerPoolHttpServer backend = keep(WorkerPoolHttpServer.start(1, 50));
    start(backend, "max_connections: 1", "{max: 200, timeout: 3s, target: 3s, interval: 100ms}");
    List<Integer> lengths = arrivalsWhileRecordingTheQueue();
    assertThat(lengths.stream().mapToInt(Integer::intValue).max().orElse(0))
        .as("queue lengths %s", lengths)
        .isGreaterThan(20);
  }

  /** 150 clients arriving one per 16 ms; the queue's length every 50 ms while they do. */
  private List<Integer> arrivalsWhileRecordingTheQueue() throws Exception {
    ExecutorService threads = Executors.newFixedThreadPool(150);
    List<Integer> lengths = new ArrayList<>();
    try {
      List<Future<Answer>> futures = new ArrayList<>();
      long start = System.nanoTime();
      long nextSample = start;
      for (int i = 0; i < 150; i++) {
        futures.add(threads.submit(this::get));
        long due = start + TimeUnit.MILLISECONDS.toNanos(16L * (i + 1));
        while (System.nanoTime() < due) {
          if (System.nanoTime() >= nextSample) {
            lengths.add(sluice.pool("back").queue().length());
            nextSample += TimeUnit.MILLISECONDS.toNanos(50);
          }
          Thread.sleep(1);
        }
      }
      for (Future<Answer> future : futures) {
        future.get(30, TimeUnit.SECONDS);
      }
      return lengths;
    } finally {
      threads.shutdownNow();
    }
  }
}
