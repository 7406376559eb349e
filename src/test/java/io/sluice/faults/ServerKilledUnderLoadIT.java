package io.sluice.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.runtime.SluiceRuntime;
import io.sluice.testing.H2load;
import io.sluice.testing.NginxPeer;
import io.sluice.testing.RawHttp;
import io.sluice.testing.RuntimeTest;
import io.sluice.testing.TestConfigs;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One of two nginx servers killed with SIGKILL while clients keep sending requests through Sluice.
 * The kernel closes the dead server's sockets: a request it had not answered finds its connection
 * closed or reset before any response byte, a keep-alive connection to it breaks at the next write,
 * a new connect is refused. Each of these is replayed on the other server, so the clients, over
 * HTTP/1.1, HTTP/2 and an L4 relay alike, see no error at all. (A response already under way when
 * the server dies cannot be replayed: {@link ServerFaultsIT} shows how it ends. nginx writes these
 * small answers in one call, so none is cut here.)
 */
class ServerKilledUnderLoadIT extends RuntimeTest {
  private static final byte[] SMALL = "small file\n".getBytes(StandardCharsets.US_ASCII);

  @RegisterExtension final NginxPeer survivor = new NginxPeer();
  @RegisterExtension final NginxPeer victim = new NginxPeer();

  private TestConfigs twoServers(TestConfigs config) throws Exception {
    survivor.start(Map.of("small.txt", SMALL));
    victim.start(Map.of("small.txt", SMALL));
    return config.server(survivor.address()).server(victim.address());
  }

  @ParameterizedTest(name = "over {0}")
  @ValueSource(strings = {"http/1.1", "h2"})
  void everyIdempotentRequestSucceedsWhenAServerIsKilledUnderLoad(String protocol)
      throws Exception {
    sluice = SluiceRuntime.start(twoServers(TestConfigs.http()).build(), 2);
    String url = "http://" + sluice.boundAddressTexts("front").get(0) + "/small.txt";
    List<String> args = new ArrayList<>(List.of("-D", "3", "-c", "8", url));
    if (protocol.equals("http/1.1")) {
      args.add(0, "--h1");
    } else {
      args.addAll(0, List.of("-m", "4"));
    }

    CompletableFuture<H2load.Result> load =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return H2load.run(args.toArray(new String[0]));
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    Thread.sleep(1_000);
    victim.kill();
    H2load.Result result = load.get();

    assertThat(result.succeeded()).as(result.out()).isGreaterThan(100);
    assertThat(result.failed()).as(result.out()).isZero();
    assertThat(result.status2xx()).as(result.out()).isEqualTo(result.succeeded());
    assertThat(sluice.httpStats("front").retries())
        .as("requests the dead server had, or would have had, were replayed")
        .isPositive();
  }

  @Test
  void everyNewConnectionOfAnL4ListenerSucceedsWhenAServerIsKilledUnderLoad() throws Exception {
    sluice = SluiceRuntime.start(twoServers(TestConfigs.tcp()).build(), 2);
    InetSocketAddress front = (InetSocketAddress) sluice.boundAddresses("front").get(0);
    AtomicInteger succeeded = new AtomicInteger();
    List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    long deadline = System.nanoTime() + 3_000_000_000L;
    List<Thread> clients = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      Thread client =
          new Thread(
              () -> {
                // Bounded by time and by count.
                for (int n = 0; n < 5_000 && System.nanoTime() < deadline; n++) {
                  try (Socket socket = RawHttp.connect(front)) {
                    RawHttp.send(
                        socket, "GET /small.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
                    RawHttp.Response answer = RawHttp.readUntilClosed(socket);
                    if (answer.statusLine().equals("HTTP/1.1 200 OK")
                        && answer.text().endsWith("small file\n")) {
                      succeeded.incrementAndGet();
                    } else {
                      failures.add(answer.text());
                    }
                  } catch (Exception e) {
                    failures.add(e.toString());
                  }
                }
              });
      client.start();
      clients.add(client);
    }
    Thread.sleep(1_000);
    victim.kill();
    for (Thread client : clients) {
      client.join(15_000);
    }

    assertThat(failures).isEmpty();
    assertThat(succeeded.get()).isGreaterThan(100);
    assertThat(sluice.pool("back").retryBudget().granted())
        .as("connections the dead server refused or dropped were replayed")
        .isPositive();
  }
}
