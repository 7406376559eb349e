package io.sluice.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.config.Config;
import io.sluice.observe.LiveView;
import io.sluice.pool.Pool;
import io.sluice.pool.Server;
import io.sluice.testing.DnsmasqPeer;
import io.sluice.testing.EchoHttpServer;
import io.sluice.testing.RuntimeTest;
import io.sluice.testing.Sockets;
import io.sluice.testing.TestConfigs;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Pools whose servers come from a real DNS server (dnsmasq on loopback) while real HTTP servers on
 * 127.0.0.2, .3 and .4 answer: records added become servers that take traffic, a removed record's
 * server drains its request in flight, an outage changes nothing but the figures, SRV records give
 * ports and weights, and a name that does not resolve at start joins once it does.
 */
class DnsDiscoveryIT extends RuntimeTest {
  private static final Duration SOON = Duration.ofSeconds(10);

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** An http listener in front of pool {@code back}, resolving through {@code dns} quickly. */
  private static TestConfigs config(DnsmasqPeer dns) {
    return TestConfigs.http()
        .listener("http", "{target_header: x-target}")
        .top("admin", "{bind: \"127.0.0.1:0\"}")
        .top(
            "dns",
            "{servers: [\""
                + dns.address()
                + "\"], resolve_interval: 300ms, resolve_min_interval: 100ms, timeout: 300ms}");
  }

  private EchoHttpServer backend(String name, String host, int port) throws Exception {
    return keep(EchoHttpServer.start(name, host, port));
  }

  private HttpResponse<String> get(String path, String target) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://" + front() + path))
            .timeout(Duration.ofSeconds(10));
    if (target != null) {
      request.header("x-target", target);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private String front() {
    return sluice.boundAddressTexts("front").get(0);
  }

  /** Sends {@code count} requests, one at a time; each backend's name and how many it answered. */
  private Map<String, Integer> spread(int count) throws Exception {
    Map<String, Integer> byBackend = new HashMap<>();
    for (int i = 0; i < count; i++) {
      HttpResponse<String> response = get("/", null);
      assertThat(response.statusCode()).as("request %d", i).isEqualTo(200);
      byBackend.merge(response.headers().firstValue("x-backend").orElse("?"), 1, Integer::sum);
    }
    return byBackend;
  }

  private LiveView.PoolLoad poolView() {
    return sluice.view().pools().stream().filter(p -> p.name().equals("back")).findFirst().get();
  }

  private LiveView.DnsLoad entryView() {
    return poolView().dns().get(0);
  }

  private List<String> serverNames() {
    return poolView().servers().stream().map(LiveView.ServerLoad::name).toList();
  }

  private String admin(String path) throws Exception {
    return http.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + sluice.adminAddress().getPort() + path))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  private static double metric(String scrape, String series) {
    Matcher matcher =
        Pattern.compile("^" + Pattern.quote(series) + " ([0-9.eE+-]+)$", Pattern.MULTILINE)
            .matcher(scrape);
    return matcher.find() ? Double.parseDouble(matcher.group(1)) : -1;
  }

  @Test
  void addedRecordsBecomeServersThatTakeTraffic() throws Exception {
    int port = Sockets.freePort();
    backend("a", "127.0.0.2", port);
    backend("b", "127.0.0.3", port);
    backend("c", "127.0.0.4", port);
    DnsmasqPeer dns = keep(DnsmasqPeer.start("127.0.0.2 web.test"));
    sluice =
        SluiceRuntime.start(
            config(dns).serverEntry("{dns: web.test, port: " + port + "}").build(), 2);

    assertThat(serverNames()).containsExactly("web.test#127.0.0.2:" + port);
    assertThat(spread(6)).containsOnlyKeys("a");

    dns.hosts("127.0.0.2 web.test", "127.0.0.3 web.test", "127.0.0.4 web.test");
    await().atMost(SOON).until(() -> serverNames().size() == 3);
    assertThat(serverNames())
        .containsExactly(
            "web.test#127.0.0.2:" + port,
            "web.test#127.0.0.3:" + port,
            "web.test#127.0.0.4:" + port);
    assertThat(spread(30)).containsOnlyKeys("a", "b", "c");
    assertThat(entryView().addresses())
        .containsExactly("127.0.0.2:" + port, "127.0.0.3:" + port, "127.0.0.4:" + port);
    assertThat(entryView().lastResult()).isEqualTo("success");
  }

  @Test
  void aServerFromANewRecordIsHealthCheckedUnderTheNameItWasFoundBy() throws Exception {
    int port = Sockets.freePort();
    backend("a", "127.0.0.2", port);
    EchoHttpServer joining = backend("b", "127.0.0.3", port);
    DnsmasqPeer dns = keep(DnsmasqPeer.start("127.0.0.2 web.test"));
    sluice =
        SluiceRuntime.start(
            config(dns)
                .pool("health", "{check: http, path: /health, interval: 200ms}")
                .serverEntry("{dns: web.test, port: " + port + "}")
                .build(),
            2);

    dns.hosts("127.0.0.2 web.test", "127.0.0.3 web.test");

    await().atMost(SOON).until(() -> joining.requests("/health") >= 2);
    assertThat(joining.seen())
        .anySatisfy(headers -> assertThat(headers).containsEntry("host", "web.test:" + port));
    assertThat(poolView().servers())
        .allSatisfy(server -> assertThat(server.state()).isEqualTo("up"));
  }

  @Test
  void aRemovedRecordsServerFinishesItsRequestInFlightWhileNewTrafficGoesElsewhere()
      throws Exception {
    int port = Sockets.freePort();
    EchoHttpServer leaving = backend("a", "127.0.0.2", port);
    backend("b", "127.0.0.3", port);
    DnsmasqPeer dns = keep(DnsmasqPeer.start("127.0.0.2 web.test", "127.0.0.3 web.test"));
    sluice =
        SluiceRuntime.start(
            config(dns).serverEntry("{dns: web.test, port: " + port + "}").build(), 2);
    Pool pool = sluice.pool("back");
    Server kept = pool.servers().get(1);
    String leavingName = "web.test#127.0.0.2:" + port;

    CompletableFuture<HttpResponse<String>> slow =
        http.sendAsync(
            HttpRequest.newBuilder(URI.create("http://" + front() + "/slow?sleep=3000"))
                .header("x-target", leavingName)
                .timeout(Duration.ofSeconds(20))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    await().atMost(SOON).until(() -> leaving.requests("/slow") == 1);

    dns.hosts("127.0.0.3 web.test");
    await().atMost(SOON).until(() -> pool.servers().size() == 1);
    assertThat(pool.servers()).containsExactly(kept);
    assertThat(poolView().servers())
        .anySatisfy(
            server -> {
              assertThat(server.name()).isEqualTo(leavingName);
              assertThat(server.state()).isEqualTo("drain");
              assertThat(server.active()).isEqualTo(1);
            });
    int before = leaving.requests();
    assertThat(spread(10)).containsOnlyKeys("b");
    assertThat(leaving.requests()).isEqualTo(before);

    HttpResponse<String> finished = slow.get();
    assertThat(finished.statusCode()).isEqualTo(200);
    assertThat(finished.headers().firstValue("x-backend")).hasValue("a");
    await().atMost(SOON).until(() -> !serverNames().contains(leavingName));
  }

  @Test
  void aDnsOutageKeepsTheLastGoodServersAndReportsIt() throws Exception {
    int port = Sockets.freePort();
    backend("a", "127.0.0.2", port);
    backend("b", "127.0.0.3", port);
    DnsmasqPeer dns = keep(DnsmasqPeer.start("127.0.0.2 web.test", "127.0.0.3 web.test"));
    sluice =
        SluiceRuntime.start(
            config(dns).serverEntry("{dns: web.test, port: " + port + "}").build(), 2);
    List<Server> servers = sluice.pool("back").servers();
    assertThat(spread(10)).containsOnlyKeys("a", "b");

    dns.kill();
    await()
        .atMost(SOON)
        .until(
            () ->
                metric(
                        admin("/metrics"),
                        "sluice_dns_resolutions_total{pool=\"back\",result=\"timeout\"}")
                    >= 2);
    assertThat(entryView().lastResult()).isEqualTo("timeout");
    assertThat(entryView().lastError()).startsWith("timeout: ");
    assertThat(entryView().addresses()).hasSize(2);
    assertThat(admin("/api/view")).contains("\"last_result\":\"timeout\"");
    assertThat(sluice.pool("back").servers()).isEqualTo(servers);
    assertThat(spread(10)).containsOnlyKeys("a", "b");
    double age =
        metric(
            admin("/metrics"),
            "sluice_dns_last_success_age_seconds{name=\"web.test:" + port + "\",pool=\"back\"}");
    assertThat(age).isGreaterThan(0.2);

    dns.restart();
    await().atMost(SOON).until(() -> entryView().lastResult().equals("success"));
    assertThat(sluice.pool("back").servers()).isEqualTo(servers);
  }

  @Test
  void srvRecordsGiveEachServerItsPortAndWeight() throws Exception {
    int portA = Sockets.freePort();
    int portB = Sockets.freePort();
    backend("a", "127.0.0.2", portA);
    backend("b", "127.0.0.3", portB);
    EchoHttpServer backup = backend("backup", "127.0.0.4", Sockets.freePort());
    DnsmasqPeer dns = keep(DnsmasqPeer.start());
    dns.records(
        "srv-host=_http._tcp.web.test,a.web.test," + portA + ",0,10",
        "srv-host=_http._tcp.web.test,b.web.test," + portB + ",0,30",
        // A higher priority value is a backup, which Sluice does not use.
        "srv-host=_http._tcp.web.test,c.web.test," + backup.address().split(":")[1] + ",1,50",
        "host-record=a.web.test,127.0.0.2",
        "host-record=b.web.test,127.0.0.3",
        "host-record=c.web.test,127.0.0.4");
    // One event loop, so that the smooth weighted round robin is exact.
    sluice =
        SluiceRuntime.start(
            config(dns).serverEntry("{dns_srv: _http._tcp.web.test, family: ipv4}").build(), 1);

    assertThat(poolView().servers())
        .extracting(LiveView.ServerLoad::name, LiveView.ServerLoad::weight)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("_http._tcp.web.test#127.0.0.2:" + portA, 10),
            org.assertj.core.groups.Tuple.tuple("_http._tcp.web.test#127.0.0.3:" + portB, 30));
    assertThat(spread(40)).containsExactlyInAnyOrderEntriesOf(Map.of("a", 10, "b", 30));
    assertThat(backup.requests()).isZero();

    // A new weight in the records: the same server, with its count, takes the new weight.
    Server a = sluice.pool("back").servers().get(0);
    long aConnections = a.totalConnections();
    dns.records(
        "srv-host=_http._tcp.web.test,a.web.test," + portA + ",0,30",
        "srv-host=_http._tcp.web.test,b.web.test," + portB + ",0,30",
        "host-record=a.web.test,127.0.0.2",
        "host-record=b.web.test,127.0.0.3");
    await().atMost(SOON).until(() -> a.configuredWeight() == 30);
    assertThat(sluice.pool("back").servers().get(0)).isSameAs(a);
    assertThat(a.totalConnections()).isEqualTo(aConnections);
  }

  @Test
  void aNameThatDoesNotResolveAtStartStartsWithoutServersAndJoinsOnceItDoes() throws Exception {
    int port = Sockets.freePort();
    backend("a", "127.0.0.2", port);
    DnsmasqPeer dns = keep(DnsmasqPeer.start());
    sluice =
        SluiceRuntime.start(
            config(dns).serverEntry("{dns: web.test, port: " + port + "}").build(), 2);

    assertThat(serverNames()).isEmpty();
    assertThat(entryView().resolved()).isFalse();
    assertThat(entryView().lastResult()).isEqualTo("empty");
    assertThat(get("/", null).statusCode()).isEqualTo(503);

    dns.hosts("127.0.0.2 web.test");
    await().atMost(SOON).until(() -> serverNames().size() == 1);
    assertThat(spread(3)).containsOnlyKeys("a");
    assertThat(entryView().resolved()).isTrue();
  }

  @Test
  void aReloadKeepsTheResolvedServersAndAppliesTheEntrysNewSettings() throws Exception {
    int port = Sockets.freePort();
    backend("a", "127.0.0.2", port);
    backend("b", "127.0.0.3", port);
    DnsmasqPeer dns = keep(DnsmasqPeer.start("127.0.0.2 web.test", "127.0.0.3 web.test"));
    sluice =
        SluiceRuntime.start(
            config(dns).serverEntry("{dns: web.test, port: " + port + "}").build(), 2);
    List<Server> servers = sluice.pool("back").servers();
    spread(4);
    long resolutions = entryView().results().get("success");

    Config reweighted =
        config(dns)
            .serverEntry("{dns: web.test, port: " + port + ", weight: 5, max_connections: 7}")
            .build();
    assertThat(sluice.reload(reweighted).applied()).isTrue();

    assertThat(sluice.pool("back").servers()).isEqualTo(servers);
    assertThat(servers).allSatisfy(s -> assertThat(s.configuredWeight()).isEqualTo(5));
    assertThat(servers).allSatisfy(s -> assertThat(s.maxConnections()).isEqualTo(7));
    assertThat(servers.stream().mapToLong(Server::totalConnections).sum()).isEqualTo(4);
    // The entry is the same: its figures go on rather than start again.
    assertThat(entryView().results().get("success")).isGreaterThanOrEqualTo(resolutions);

    // Another port is another entry: its servers replace the old ones, which leave.
    Config otherPort = config(dns).serverEntry("{dns: web.test, port: " + (port + 1) + "}").build();
    assertThat(sluice.reload(otherPort).applied()).isTrue();
    assertThat(serverNames())
        .containsExactly("web.test#127.0.0.2:" + (port + 1), "web.test#127.0.0.3:" + (port + 1));
  }
}
