package io.sluice.config;

import static io.sluice.config.ConfigLoaderTest.errors;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Servers from DNS in the file: {@code dns} and {@code dns_srv} entries and the {@code dns} block.
 */
class DnsConfigTest {
  private static final String LISTENERS =
      """
      listeners:
        - {name: web, bind: [":8080"], pool: web}
      """;

  private static Config parse(String yaml) {
    ConfigResult result = ConfigLoader.parse(yaml, "sluice.yaml");
    assertThat(result.errors()).isEmpty();
    return result.config();
  }

  @Test
  void readsDnsAndSrvEntriesBesideStaticServers() {
    Config config =
        parse(
            LISTENERS
                + """
                pools:
                  - name: web
                    resolve_interval: 10s
                    max_addresses: 8
                    servers:
                      - {address: "10.0.0.1:80"}
                      - {dns: web.default.svc.cluster.local, port: 8080, family: ipv4,
                         weight: 3, max_connections: 100, send_proxy_v2: true}
                      - {dns_srv: _http._tcp.web.service.consul, state: drain}
                dns:
                  servers: ["127.0.0.1:5353", "[::1]:53"]
                  timeout: 500ms
                  resolve_min_interval: 2s
                """);

    PoolConfig pool = config.pool("web");
    ServerConfig fixed = pool.servers().get(0);
    ServerConfig names = pool.servers().get(1);
    ServerConfig service = pool.servers().get(2);
    assertThat(fixed.resolvesByDns()).isFalse();
    assertThat(fixed.family()).isNull();
    assertThat(fixed.serverName()).isEqualTo("10.0.0.1:80");
    assertThat(names.resolvesByDns()).isTrue();
    assertThat(names.dns()).isEqualTo("web.default.svc.cluster.local");
    assertThat(names.port()).isEqualTo(8080);
    assertThat(names.family()).isEqualTo(AddressFamily.IPV4);
    assertThat(names.weight()).isEqualTo(3);
    assertThat(names.maxConnections()).isEqualTo(100);
    assertThat(names.dnsEntryName()).isEqualTo("web.default.svc.cluster.local:8080");
    assertThat(service.dnsSrv()).isEqualTo("_http._tcp.web.service.consul");
    assertThat(service.family()).isEqualTo(AddressFamily.ANY);
    assertThat(service.weight()).as("SRV records give it").isNull();
    assertThat(service.state()).isEqualTo(AdminState.DRAIN);
    assertThat(pool.resolvesByDns()).isTrue();

    DnsConfig dns = config.dns();
    assertThat(dns.servers()).containsExactly("127.0.0.1:5353", "[::1]:53");
    assertThat(dns.timeout()).isEqualTo(Duration.ofMillis(500));
    assertThat(dns.resolveInterval(pool)).as("the pool's own").isEqualTo(Duration.ofSeconds(10));
    assertThat(dns.resolveMinInterval(pool)).isEqualTo(Duration.ofSeconds(2));
    assertThat(dns.maxAddresses(pool)).isEqualTo(8);
  }

  @Test
  void defaultsAskTheSystemsNameServersEveryFiveSecondsAtMostOncePerSecond() {
    Config config =
        parse(LISTENERS + "pools: [{name: web, servers: [{dns: web.example, port: 80}]}]\n");

    PoolConfig pool = config.pool("web");
    assertThat(config.dns().servers()).isEmpty();
    assertThat(config.dns().timeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(config.dns().resolveInterval(pool)).isEqualTo(Duration.ofSeconds(5));
    assertThat(config.dns().resolveMinInterval(pool)).isEqualTo(Duration.ofSeconds(1));
    assertThat(config.dns().maxAddresses(pool)).isEqualTo(64);
    assertThat(pool.servers().get(0).weight()).isEqualTo(1);
    assertThat(pool.servers().get(0).family()).isEqualTo(AddressFamily.ANY);
  }

  @Test
  void aResolvedServerIsNamedAfterItsEntryAndKeepsTheEntrysSettings() {
    ServerConfig entry =
        new ServerConfig(null, "web.test", null, 8080, null, 3, 50, null, true, null, null);
    ServerConfig service =
        new ServerConfig(
            null, null, "_http._tcp.web.test", null, null, null, null, null, null, null, null);

    ServerConfig resolved = entry.resolved("10.0.0.3:8080", "web.test", 0);
    ServerConfig fromSrv = service.resolved("[fd00::7]:9000", "node-7.web.test", 20);
    ServerConfig written =
        new ServerConfig(null, "Web.Test.", null, 80, null, null, null, null, null, null, null);

    assertThat(resolved.serverName()).isEqualTo("web.test#10.0.0.3:8080");
    assertThat(resolved.resolvesByDns()).isFalse();
    assertThat(resolved.address()).isEqualTo("10.0.0.3:8080");
    assertThat(resolved.weight()).isEqualTo(3);
    assertThat(resolved.maxConnections()).isEqualTo(50);
    assertThat(resolved.sendProxyV2()).isTrue();
    assertThat(fromSrv.serverName()).isEqualTo("_http._tcp.web.test#[fd00::7]:9000");
    assertThat(fromSrv.dns()).as("the target, for SNI").isEqualTo("node-7.web.test");
    assertThat(fromSrv.weight()).isEqualTo(20);
    assertThat(written.resolved("10.0.0.3:80", "Web.Test.", 0).serverName())
        .as("one name however it is written")
        .isEqualTo("web.test#10.0.0.3:80");
  }

  @Test
  void reportsEntriesThatAreNotOneKindWithTheirPlace() {
    String yaml =
        LISTENERS
            + """
            pools:
              - name: web
                servers:
                  - {address: "10.0.0.1:80", dns: web.test}
                  - {dns: web.test, dns_srv: _http._tcp.web.test}
                  - {address: "10.0.0.2:80", port: 80, family: ipv6}
                  - {weight: 2}
            """;

    assertThat(errors(yaml))
        .containsExactly(
            "sluice.yaml:6:34: pools[0].servers[0].dns: give one of address, dns and dns_srv",
            "sluice.yaml:7:25: pools[0].servers[1].dns_srv: give one of address, dns and dns_srv",
            "sluice.yaml:8:34: pools[0].servers[2].port: port applies to dns entries only (an"
                + " address carries its own port)",
            "sluice.yaml:8:44: pools[0].servers[2].family: family applies to dns and dns_srv"
                + " entries only",
            "sluice.yaml:9:9: pools[0].servers[3].address: a server needs an address"
                + " (host:port), or dns with a port, or dns_srv");
  }

  @Test
  void reportsBadNamesMissingPortsAndSrvNamesWithoutTheirForm() {
    String yaml =
        LISTENERS
            + """
            pools:
              - name: web
                servers:
                  - {dns: web.test}
                  - {dns: "web.test:8080", port: 8080}
                  - {dns: "10.0.0.7", port: 80}
                  - {dns: "-bad-.test", port: 0}
                  - {dns_srv: web.service.consul}
                  - {dns_srv: _http._tcp.web.test, port: 80, weight: 2}
                  - {dns: web.test, port: 8080, family: ipv5}
            """;

    assertThat(errors(yaml))
        .containsExactly(
            "sluice.yaml:6:10: pools[0].servers[0].dns: dns needs a port: {dns: web.test, port:"
                + " PORT}",
            "sluice.yaml:7:10: pools[0].servers[1].dns: expected a name without a port, got"
                + " 'web.test:8080' (give the port as port)",
            "sluice.yaml:8:10: pools[0].servers[2].dns: '10.0.0.7' is an IP address: give it as"
                + " address: ip:port",
            "sluice.yaml:9:10: pools[0].servers[3].dns: expected a DNS name (labels of letters,"
                + " digits and hyphens, such as web.default.svc.cluster.local), got '-bad-.test'",
            "sluice.yaml:9:29: pools[0].servers[3].port: expected 1 to 65535, got 0",
            "sluice.yaml:10:10: pools[0].servers[4].dns_srv: expected an SRV name"
                + " _service._proto.name, such as _http._tcp.web.service.consul, got"
                + " 'web.service.consul'",
            "sluice.yaml:11:40: pools[0].servers[5].port: dns_srv takes each server's port from"
                + " its SRV record; remove port",
            "sluice.yaml:11:50: pools[0].servers[5].weight: dns_srv takes each server's weight"
                + " from its SRV record; remove weight",
            "sluice.yaml:12:37: pools[0].servers[6].family: expected any, ipv4 or ipv6, got"
                + " 'ipv5'");
  }

  @Test
  void reportsAnEntryGivenTwiceInAPool() {
    String yaml =
        LISTENERS
            + """
            pools:
              - name: web
                servers:
                  - {dns: web.test, port: 80}
                  - {dns: WEB.test, port: 80, weight: 2}
                  - {dns: web.test, port: 81}
            """;

    assertThat(errors(yaml))
        .containsExactly(
            "sluice.yaml:7:9: pools[0].servers[1]: WEB.test:80 is already resolved by"
                + " pools[0].servers[0]");
  }

  @Test
  void reportsIntervalsTimeoutsAndBoundsOutOfRange() {
    String yaml =
        LISTENERS
            + """
            pools:
              - name: web
                resolve_interval: 50ms
                resolve_min_interval: 2h
                max_addresses: 0
                servers: [{dns: web.test, port: 80}]
              - name: api
                resolve_min_interval: 10s
                servers: [{dns: api.test, port: 80}]
            dns:
              servers: ["ns.example:53", "10.0.0.2"]
              timeout: 1m
              resolve_interval: 2s
              resolve_min_interval: 3s
              max_addresses: 5000
            """;

    assertThat(errors(yaml))
        .containsExactly(
            "sluice.yaml:5:5: pools[0].resolve_interval: expected 100ms to 1h, got 50ms",
            "sluice.yaml:6:5: pools[0].resolve_min_interval: expected 100ms to 1h, got 2h",
            "sluice.yaml:6:5: pools[0].resolve_min_interval: resolve_min_interval (2h) must not"
                + " exceed resolve_interval (50ms)",
            "sluice.yaml:7:5: pools[0].max_addresses: expected 1 to 1024, got 0",
            "sluice.yaml:10:5: pools[1].resolve_min_interval: resolve_min_interval (10s) must not"
                + " exceed resolve_interval (2s)",
            "sluice.yaml:13:13: dns.servers[0]: expected the name server's ip:port, such as"
                + " 10.0.0.2:53, got 'ns.example:53'",
            "sluice.yaml:13:30: dns.servers[1]: '10.0.0.2' has no port (expected: host:port,"
                + " [ipv6]:port or :port) (expected: the name server's ip:port, such as"
                + " 10.0.0.2:53)",
            "sluice.yaml:14:3: dns.timeout: expected 10ms to 30s, got 1m",
            "sluice.yaml:16:3: dns.resolve_min_interval: expected at most resolve_interval (2s),"
                + " got 3s",
            "sluice.yaml:17:3: dns.max_addresses: expected 1 to 1024, got 5000");
  }

  @Test
  void refusesDnsEntriesInFleetMode() {
    String yaml =
        LISTENERS
            + """
            cluster: {redis: "127.0.0.1:6379"}
            pools:
              - name: web
                servers: [{dns_srv: _http._tcp.web.test}]
            """;

    assertThat(errors(yaml))
        .containsExactly(
            "sluice.yaml:6:16: pools[0].servers[0].dns_srv: dns servers are not supported with"
                + " cluster (fleet mode): the fleet shares the servers' limits as they were at"
                + " start; list the addresses instead");
  }

  @Test
  void anUnknownKeyOnAServerNamesTheDnsKeysToo() {
    String yaml = LISTENERS + "pools: [{name: web, servers: [{dnss: web.test, port: 80}]}]\n";

    assertThat(errors(yaml))
        .anySatisfy(error -> assertThat(error).contains("unknown key 'dnss', did you mean 'dns'?"));
    assertThat(YamlNames.keysOf(ServerConfig.class))
        .containsSubsequence(List.of("address", "dns", "dns_srv", "port", "family", "weight"));
  }
}
