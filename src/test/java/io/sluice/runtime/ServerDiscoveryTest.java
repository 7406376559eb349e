package io.sluice.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.config.Config;
import io.sluice.config.ConfigLoader;
import io.sluice.config.ConfigResult;
import io.sluice.config.PoolConfig;
import io.sluice.config.ServerConfig;
import io.sluice.net.DnsAnswer;
import io.sluice.pool.Pool;
import io.sluice.pool.Server;
import io.sluice.pool.ServerState;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A configuration with DNS entries in its resolved form, and the diff of two resolved sets through
 * the reload's own pool building: an address that stays is the same server, a new one joins, a
 * vanished one drains.
 */
class ServerDiscoveryTest {
  private static final String YAML =
      """
      listeners:
        - {name: web, bind: ["127.0.0.1:8080"], protocol: http, pool: web}
      pools:
        - name: web
          servers:
            - {address: "127.0.0.1:9000"}
            - {dns: web.test, port: 8080, weight: 4, max_connections: 10}
            - {dns_srv: _http._tcp.api.test}
      """;

  private static Config declared() {
    ConfigResult result = ConfigLoader.parse(YAML, "test.yaml");
    assertThat(result.errors()).isEmpty();
    return result.config();
  }

  /** Every entry of {@code config}, each resolved to {@code answers} in order. */
  private static Map<DnsEntry.Key, DnsEntry> entries(Config config, DnsAnswer... answers) {
    Map<DnsEntry.Key, DnsEntry> entries = new LinkedHashMap<>();
    int i = 0;
    PoolConfig pool = config.pool("web");
    for (ServerConfig server : pool.servers()) {
      if (server.resolvesByDns()) {
        DnsEntry.Key key = DnsEntry.Key.of(pool, server, config.dns());
        DnsEntry entry =
            new DnsEntry(
                key, config.dns().resolveInterval(pool), config.dns().resolveMinInterval(pool), 0);
        entry.accept(answers[i++], 1);
        entries.put(key, entry);
      }
    }
    return entries;
  }

  private static DnsAnswer addresses(String... ips) {
    List<DnsAnswer.Target> targets = new ArrayList<>();
    for (String ip : ips) {
      targets.add(new DnsAnswer.Target("web.test", ip, 8080, 0));
    }
    return new DnsAnswer(DnsAnswer.Outcome.SUCCESS, targets, 5, null);
  }

  private static DnsAnswer service() {
    return new DnsAnswer(
        DnsAnswer.Outcome.SUCCESS,
        List.of(new DnsAnswer.Target("node-1.api.test", "10.0.1.1", 9000, 7)),
        5,
        null);
  }

  private static List<String> names(Config config) {
    return config.pool("web").servers().stream().map(ServerConfig::serverName).toList();
  }

  @Test
  void eachEntryIsReplacedInPlaceByOneServerPerAddressWithTheEntrysSettings() {
    Config declared = declared();

    Config expanded =
        ServerDiscovery.expand(
            declared, entries(declared, addresses("10.0.0.2", "10.0.0.1"), service()));

    assertThat(names(expanded))
        .containsExactly(
            "127.0.0.1:9000",
            "web.test#10.0.0.1:8080",
            "web.test#10.0.0.2:8080",
            "_http._tcp.api.test#10.0.1.1:9000");
    List<ServerConfig> servers = expanded.pool("web").servers();
    assertThat(servers.get(1).weight()).isEqualTo(4);
    assertThat(servers.get(1).maxConnections()).isEqualTo(10);
    assertThat(servers.get(3).weight()).as("the SRV record's").isEqualTo(7);
    assertThat(servers.get(3).dns()).isEqualTo("node-1.api.test");
    assertThat(expanded.listeners()).isEqualTo(declared.listeners());
    assertThat(ServerDiscovery.expand(declared, entries(declared, addresses(), service())))
        .as("an entry that never resolved gives no server")
        .satisfies(c -> assertThat(names(c)).hasSize(2));
  }

  @Test
  void theSameAddressesGiveAnEqualConfigurationSoNothingIsRebuilt() {
    Config declared = declared();

    Config once =
        ServerDiscovery.expand(declared, entries(declared, addresses("10.0.0.1"), service()));
    Config again =
        ServerDiscovery.expand(declared, entries(declared, addresses("10.0.0.1"), service()));

    assertThat(ConfigDiff.between(once, again).isEmpty()).isTrue();
  }

  @Test
  void aNewSetKeepsTheServersThatStayAddsNewOnesAndDrainsTheVanished() throws Exception {
    Config declared = declared();
    Config before =
        ServerDiscovery.expand(
            declared, entries(declared, addresses("10.0.0.1", "10.0.0.2"), service()));
    Config after =
        ServerDiscovery.expand(
            declared, entries(declared, addresses("10.0.0.2", "10.0.0.3"), service()));
    PoolConfig poolBefore = before.pool("web");
    Pool pool =
        PoolBuilder.build(poolBefore, PoolBuilder.servers(poolBefore, null, null).servers());
    Server staying = find(pool.servers(), "web.test#10.0.0.2:8080");
    Server vanishing = find(pool.servers(), "web.test#10.0.0.1:8080");
    assertThat(vanishing.tryTake()).as("a connection open on it").isTrue();
    assertThat(staying.tryTake()).isTrue();
    staying.release();

    assertThat(ConfigDiff.between(before, after).changedPools()).containsExactly("web");
    PoolBuilder.PlannedServers planned = PoolBuilder.servers(after.pool("web"), pool, poolBefore);
    planned.applyUpdates();
    PoolBuilder.reconfigure(pool, after.pool("web"), planned.servers());

    assertThat(pool.servers())
        .extracting(Server::name)
        .containsExactly(
            "127.0.0.1:9000",
            "web.test#10.0.0.2:8080",
            "web.test#10.0.0.3:8080",
            "_http._tcp.api.test#10.0.1.1:9000");
    assertThat(find(pool.servers(), "web.test#10.0.0.2:8080"))
        .as("the same server, with its count")
        .isSameAs(staying)
        .satisfies(s -> assertThat(s.totalConnections()).isEqualTo(1));
    assertThat(pool.leavingServers()).containsExactly(vanishing);
    assertThat(vanishing.state()).isEqualTo(ServerState.DRAIN);
    assertThat(vanishing.tryTake()).as("no new connection while it drains").isFalse();

    pool.release(vanishing);
    assertThat(pool.leavingServers()).isEmpty();
  }

  @Test
  void aResolvedServerConnectsToItsAddressAndCarriesItsNameForTls() throws Exception {
    Config declared = declared();
    Config expanded =
        ServerDiscovery.expand(declared, entries(declared, addresses("10.0.0.1"), service()));

    List<Server> servers = PoolBuilder.servers(expanded.pool("web"), null, null).servers();

    InetSocketAddress address = (InetSocketAddress) servers.get(1).address();
    assertThat(address.getAddress().getHostAddress()).isEqualTo("10.0.0.1");
    assertThat(address.getHostString()).isEqualTo("web.test");
    assertThat(address.getPort()).isEqualTo(8080);
    assertThat(((InetSocketAddress) servers.get(2).address()).getHostString())
        .as("an SRV server is known by its target")
        .isEqualTo("node-1.api.test");
  }

  private static Server find(List<Server> servers, String name) {
    return servers.stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
  }
}
