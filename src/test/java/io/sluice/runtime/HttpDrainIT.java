package io.sluice.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.testing.HttpBackend;
import io.sluice.testing.RuntimeTest;
import io.sluice.testing.ScriptedServer;
import io.sluice.testing.Sockets;
import io.sluice.testing.TestConfigs;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A drain closes HTTP/1.1 keep-alive connections after their current response (idle ones at once)
 * instead of waiting for drain_timeout.
 */
class HttpDrainIT extends RuntimeTest {
  @Test
  void anIdleKeepAliveConnectionIsClosedByTheDrainWhichThenEndsByItself() throws Exception {
    HttpBackend backend = keep(new HttpBackend());
    sluice = SluiceRuntime.start(TestConfigs.http().server(backend.address()).build(), 2);
    InetSocketAddress front = (InetSocketAddress) sluice.boundAddresses("front").get(0);
    Socket client = keep(Sockets.connect(front));
    client
        .getOutputStream()
        .write("GET / HTTP/1.1\r\nHost: front\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    InputStream in = client.getInputStream();
    String response = readResponse(in);
    assertThat(response).startsWith("HTTP/1.1 200").endsWith(HttpBackend.BODY);

    CompletableFuture<Boolean> drained =
        CompletableFuture.supplyAsync(() -> sluice.stop(Duration.ofSeconds(20)));

    assertThat(in.read()).as("the keep-alive connection is closed").isEqualTo(-1);
    assertThat(drained.get(15, TimeUnit.SECONDS)).as("drained without killing").isTrue();
  }

  @Test
  void aRequestInFlightWhenTheDrainStartsGetsItsResponseAndThenTheConnectionCloses()
      throws Exception {
    ScriptedServer slow = keep(ScriptedServer.http(200));
    slow.delay(Duration.ofMillis(800));
    sluice = SluiceRuntime.start(TestConfigs.http().server(slow.address()).build(), 2);
    InetSocketAddress front = (InetSocketAddress) sluice.boundAddresses("front").get(0);
    Socket client = keep(Sockets.connect(front));
    client
        .getOutputStream()
        .write("GET / HTTP/1.1\r\nHost: front\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    await().atMost(Duration.ofSeconds(5)).until(() -> slow.accepted() == 1);

    CompletableFuture<Boolean> drained =
        CompletableFuture.supplyAsync(() -> sluice.stop(Duration.ofSeconds(20)));

    InputStream in = client.getInputStream();
    assertThat(readResponse(in, "ok")).startsWith("HTTP/1.1 200");
    assertThat(in.read()).as("closed after the response").isEqualTo(-1);
    assertThat(drained.get(15, TimeUnit.SECONDS)).isTrue();
  }

  private static String readResponse(InputStream in) throws Exception {
    return readResponse(in, HttpBackend.BODY);
  }

  private static String readResponse(InputStream in, String body) throws Exception {
    StringBuilder text = new StringBuilder();
    while (!text.toString().endsWith(body)) {
      int b = in.read();
      if (b < 0) {
        break;
      }
      text.append((char) b);
    }
    return text.toString();
  }
}
