package io.sluice.config;

import static io.sluice.config.ConfigLoaderTest.errors;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Errors found after binding: ranges, references, uniqueness and addresses. */
class ConfigValidationTest {

  private static final String POOLS =
      """
      pools:
        - {name: ssh, servers: [{address: "10.0.0.11:22"}]}
      """;

  private static final String LISTENERS =
      """
      listeners:
        - {name: git-ssh, bind: [":2222"], pool: ssh}
      """;

  @Test
  void reportsABufferBudgetTooSmallToServeAndAReserveThatLeavesNewWorkNothing() {
    String small = "buffer_memory: {budget: 512KiB}\n" + LISTENERS + POOLS;
    String reserveAll = "buffer_memory: {budget: 16MiB, reserve: 16MiB}\n" + LISTENERS + POOLS;

    assertThat(errors(small))
        .containsExactly(
            "sluice.yaml:1:17: buffer_memory.budget: expected at least 1MiB, got 524288B");
    assertThat(errors(reserveAll))
        .containsExactly(
            "sluice.yaml:1:32: buffer_memory.reserve: expected less than the budget (16777216B):"
                + " new work needs some of it, got 16777216B");
  }

  @Test
  void reportsValuesOutOfRangeOnAListener() {
    String yaml =
        """
        listeners:
          - name: git-ssh
            bind: [":2222"]
            pool: ssh
            backlog: 0
            max_connections: 0
            timeouts: {idle: 0s, proxy_header: 0}
          - {name: git, bind: [":2223"], pool: ssh, backlog: 65536}
        """
            + POOLS;

    assertThat(errors(yaml))
        .containsExactly(
            "sluice.yaml:5:5: listeners[0].backlog: expected 1 to 65535, got 0",
            "sluice.yaml:6:5: listeners[0].max_connections: expected at least 1, got 0",
            "sluice.yaml:7:16: listeners[0].timeouts.idle: expected a duration greater than 0,"
                + " got 0",
            "sluice.yaml:7:26: listeners[0].timeouts.proxy_header: expected a duration greater"
                + " than 0, got 0",
            "sluice.yaml:8:45: listeners[1].backlog: expected 1 to 65535, got 65536");
  }

  @Test
  void reportsValuesOutOfRangeOnAServer() {
    String yaml =
        LISTENERS
            + """
            pools:
              - name: ssh
                servers:
                  - {address: "10.0.0.11:22", weight: 0}
                  - {address: "10.0.0.12:22", weight: 257, max_connections: -1}
                timeouts: {connect: 0}
            """;

    assertThat(errors(yaml))
        .containsExactly(
            "sluice.yaml:6:35: pools[0].servers[0].weight: expected 1 to 256, got 0",
            "sluice.yaml:7:35: pools[0].servers[1].weight: expected 1 to 256, got 257",
            "sluice.yaml:7:48: pools[0].servers[1].max_connections: expected 0 (no limit), more,"
                + " or adaptive, got -1",
            "sluice.yaml:8:16: pools[0].timeouts.connect: expected a duration greater than 0,"
                + " got 0");
  }

  @Test
  void readsAnAdaptiveLimitAndItsBoundsAndReportsBadOnes() {
    String good =
        LISTENERS
            + """
            pools:
              - name: ssh
                servers:
                  - {address: "10.0.0.11:22", max_connections: adaptive, adaptive: {min: 4, max: 90}}
                  - {address: "10.0.0.12:22", max_connections: 7}
                queue: {target: 10ms, interval: 200ms, lifo_under_congestion: true}
            """;
    ConfigResult result = ConfigLoader.parse(good, "sluice.yaml");
    assertThat(result.errors()).isEmpty();
    ServerConfig adaptive = result.config().pools().get(0).servers().get(0);
    assertThat(adaptive.adaptiveLimit()).isTrue();
    assertThat(adaptive.adaptive()).isEqualTo(new ServerConfig.AdaptiveConfig(4, 90, 20));
    assertThat(result.config().pools().get(0).servers().get(1).adaptiveLimit()).isFalse();
    assertThat(result.config().pools().get(0).queue().lifoUnderCongestion()).isTrue();

    String bad =
        LISTENERS
            + """
            pools:
              - name: ssh
                servers:
                  - {address: "10.0.0.11:22", max_connections: adaptiv}
                  - {address: "10.0.0.12:22", max_connections: adaptive, adaptive: {min: 9, max: 3}}
            """;
    assertThat(errors(bad))
        .containsExactly(
            "sluice.yaml:6:35: pools[0].servers[0].max_connections: expected an integer, got"
                + " 'adaptiv'",
            "sluice.yaml:7:81: pools[0].servers[1].adaptive.max: expected at least min (9), got"
                + " 3");
  }

  @Test
  void reportsTopLevelValuesOutOfRange() {
    String yaml =
        LISTENERS
            + POOLS
            + """
            drain_timeout: 0ms
            access_log: {path: "", queue: 0}
            """;

    assertThat(errors(yaml))
        .containsExactly(
            "sluice.yaml:5:1: drain_timeout: expected a duration greater than 0, got 0",
            "sluice.yaml:6:14: access_log.path: expected a file path, stdout or off",
            "sluice.yaml:6:24: access_log.queue: expected at least 1, got 0");
  }

  @Test
  void requiresAtLeastOneListener() {
    assertThat(errors(POOLS))
        .containsExactly("sluice.yaml:1:1: listeners: at least one listener is required");
  }

  @Test
  void reportsAListenerWithoutNameBindOrPoolAtTheListener() {
    String yaml =
        """
        listeners:
          - protocol: tcp
        """
            + POOLS;

    assertThat(errors(yaml))
        .containsExactly(
            "sluice.yaml:2:5: listeners[0].name: a name is required",
            "sluice.yaml:2:5: listeners[0].bind: at least one address is required",
            "sluice.yaml:2:5: listeners[0].pool: a tcp listener needs a pool");
  }

  @Test
  void reportsAPoolThatDoesNotExistWithASuggestion() {
    String yaml =
        """
        listeners:
          - {name: git-ssh, bind: [":2222"], pool: shh}
          - {name: git-web, bind: [":2223"], pool: web}
        """
            + POOLS;

    assertThat(errors(yaml))
        .containsExactly(
            "sluice.yaml:2:38: listeners[0].pool: no pool named 'shh', did you mean 'ssh'?",
            "sluice.yaml:3:38: listeners[1].pool: no pool named 'web' (pools: ssh)");
  }

  @Test
  void reportsAPoolNamedWhenNoPoolsExist() {
    assertThat(errors(LISTENERS))
        .containsExactly(
            "sluice.yaml:2:38: listeners[0].pool: no pool named 'ssh' (no pools are" + " defined)");
  }

  @Test
  void reportsAPoolWithoutServers() {
    String yaml =
        LISTENERS
            + """
            pools:
              - name: ssh
                servers: []
              - name: web
            """;

    assertThat(errors(yaml))
        .containsExactly(
            "sluice.yaml:5:5: pools[0].servers: a pool needs at least one server",
            "sluice.yaml:6:5: pools[1].servers: a pool needs at least one server");
  }

  @Test
  void reportsDuplicateListenerAndPoolNames() {
    String yaml =
        """
        listeners:
          - {name: git-ssh, bind: [":2222"], pool: ssh}
          - {name: git-ssh, bind: [":2223"], pool: ssh}
        pools:
          - {name: ssh, servers: [{address: "10.0.0.11:22"}]}
          - {name: ssh, servers: [{address: "10.0.0.12:22"}]}
        """;

    assertThat(errors(yaml))
        .containsExactly(
            "sluice.yaml:3:6: listeners[1].name: listener name 'git-ssh' is already used by"
                + " listeners[0]",
            "sluice.yaml:6:6: pools[1].name: pool name 'ssh' is already used by pools[0]");
  }

  @Test
  void reportsTheSameBindAddressInTwoListeners() {
    String yaml =
        """
        listeners:
          - {name: git-ssh, bind: [":2222", "unix:/run/ssh.sock"], pool: ssh}
          - {name: git-ssh-2, bind: ["unix:/run/ssh.sock", ":2222"], pool: ssh}
        """
            + POOLS;

    assertThat(errors(yaml))
        .containsExactly(
            "sluice.yaml:3:30: listeners[1].bind[0]: 'unix:/run/ssh.sock' is already bound by"
                + " listeners[0].bind[1]",
            "sluice.yaml:3:52: listeners[1].bind[1]: ':2222' is already bound by"
                + " listeners[0].bind[0]");
  }

  @Test
  void reportsAddressesThatDoNotParse() {
    String yaml =
        """
        listeners:
          - {name: git-ssh, bind: ["2222", "[::1:2222", "unix:ssh.sock"], pool: ssh}
        pools:
          - name: ssh
            servers:
              - {address: "::1:22"}
              - {address: "10.0.0.11:ssh"}
              - {weight: 2}
        """;

    assertThat(errors(yaml))
        .containsExactly(
            "sluice.yaml:2:28: listeners[0].bind[0]: '2222' has no port (expected: host:port,"
                + " [ipv6]:port or :port)",
            "sluice.yaml:2:36: listeners[0].bind[1]: '[::1:2222' has an unclosed IPv6 bracket"
                + " (expected: [ipv6]:port)",
            "sluice.yaml:2:49: listeners[0].bind[2]: 'unix:ssh.sock' is not a unix address"
                + " (expected: unix:/path or unix:@abstract-name)",
            "sluice.yaml:6:10: pools[0].servers[0].address: '::1:22' is an IPv6 address without"
                + " brackets (expected: [ipv6]:port)",
            "sluice.yaml:7:10: pools[0].servers[1].address: '10.0.0.11:ssh' has no valid port"
                + " number",
            "sluice.yaml:8:9: pools[0].servers[2].address: a server needs an address (host:port),"
                + " or dns with a port, or dns_srv");
  }

  @Test
  void reportsServerAddressesThatCannotBeConnectedTo() {
    String yaml =
        LISTENERS
            + """
            pools:
              - name: ssh
                servers: [{address: ":22"}, {address: "10.0.0.11:0"}]
            """;

    assertThat(errors(yaml))
        .containsExactly(
            "sluice.yaml:5:16: pools[0].servers[0].address: ':22' has no host (expected:"
                + " host:port)",
            "sluice.yaml:5:34: pools[0].servers[1].address: '10.0.0.11:0' has port 0 (expected:"
                + " 1 to 65535)");
  }

  @Test
  void acceptsBindHostsThisMachineCanBind() {
    String yaml =
        """
        listeners:
          - name: git-ssh
            bind: [":2222", "0.0.0.0:2223", "[::]:2224", "127.0.0.1:2225", "127.0.0.2:2226",
                   "[::1]:2227", "localhost:2228", "unix:@sluice"]
            pool: ssh
        """
            + POOLS;

    assertThat(ConfigLoader.parse(yaml, "sluice.yaml").errors()).isEmpty();
  }

  @Test
  void reportsBindHostsThisMachineCannotBind() {
    String yaml =
        """
        listeners:
          - name: git-ssh
            bind: ["192.0.2.1:2222", "example.com:2223", "[fe80::zz]:2224", "10.1:2225"]
            pool: ssh
        """
            + POOLS;

    assertThat(errors(yaml))
        .containsExactly(
            "sluice.yaml:3:12: listeners[0].bind[0]: host '192.0.2.1' is not an address of this"
                + " machine",
            "sluice.yaml:3:30: listeners[0].bind[1]: host 'example.com' is not an IP address"
                + " (expected: an IP address of this machine, localhost, or :port for all"
                + " addresses)",
            "sluice.yaml:3:50: listeners[0].bind[2]: host 'fe80::zz' is not an IP address"
                + " (expected: an IP address of this machine, localhost, or :port for all"
                + " addresses)",
            "sluice.yaml:3:69: listeners[0].bind[3]: host '10.1' is not an IP address"
                + " (expected: an IP address of this machine, localhost, or :port for all"
                + " addresses)");
  }

  @Test
  void anHttpListenerNeedsAPoolOrRoutes() {
    String yaml =
        """
        listeners:
          - {name: web, bind: [":8080"], protocol: http}
          - {name: dns, bind: [":5353"], protocol: udp, pool: ssh}
        """
            + POOLS;

    assertThat(errors(yaml))
        .containsExactly(
            "sluice.yaml:2:5: listeners[0].pool: an http listener needs a pool or routes");
  }

  @Test
  void checksRoutesAndHttpSettings() {
    String yaml =
        """
        listeners:
          - name: web
            bind: [":8080"]
            protocol: http
            routes:
              - {hosts: ["*.example.com"], path_regex: "([", pool: nope}
              - {methods: [get], pool: ssh, max_concurrent: 0}
            http: {overload: {status: 200, retry_after: 60s..10s}, target_header: "bad header"}
        """
            + POOLS;

    assertThat(errors(yaml))
        .containsExactly(
            "sluice.yaml:6:36: listeners[0].routes[0].path_regex: not a regular expression:"
                + " Unclosed character class",
            "sluice.yaml:6:54: listeners[0].routes[0].pool: no pool named 'nope' (pools: ssh)",
            "sluice.yaml:7:20: listeners[0].routes[1].methods[0]: expected an upper-case method"
                + " such as GET",
            "sluice.yaml:7:37: listeners[0].routes[1].max_concurrent: expected at least 1, got 0",
            "sluice.yaml:8:23: listeners[0].http.overload.status: expected 400 to 599, got 200",
            "sluice.yaml:8:36: listeners[0].http.overload.retry_after: expected a duration range"
                + " such as 10s..60s, got '60s..10s'",
            "sluice.yaml:8:60: listeners[0].http.target_header: expected a header name, got 'bad"
                + " header'");
  }

  @Test
  void reportsBothProxyProtocolVersionsOnOneServer() {
    String yaml =
        LISTENERS
            + """
            pools:
              - name: ssh
                servers:
                  - address: 10.0.0.11:22
                    send_proxy: true
                    send_proxy_v2: true
            """;

    assertThat(errors(yaml))
        .containsExactly(
            "sluice.yaml:8:9: pools[0].servers[0].send_proxy_v2: send_proxy and send_proxy_v2"
                + " cannot both be true (choose one PROXY protocol version)");
  }

  @Test
  void reportsAValueReplacedByADefaultOnlyOnce() {
    String yaml =
        """
        listeners:
          - {name: git-ssh, bind: ":2222", pool: {name: ssh}}
        """
            + POOLS;

    assertThat(errors(yaml))
        .containsExactly(
            "sluice.yaml:2:21: listeners[0].bind: expected a list, got ':2222'",
            "sluice.yaml:2:36: listeners[0].pool: expected a string, got a map");
  }

  @Test
  void reportsSipKeysOutOfRangeOrOnAnotherKindOfCheck() {
    String yaml =
        LISTENERS
            + """
            pools:
              - name: ssh
                servers: [{address: "10.0.0.11:5060"}]
                health: {check: sip, sip_transport: tcp, sip_port: 0}
              - name: web
                servers: [{address: "10.0.0.12:80"}]
                health: {check: http, sip_transport: udp, sip_port: 5060}
              - name: voice
                servers: [{address: "10.0.0.13:5060"}]
                health: {check: sip, sip_port: 65536}
            """;

    assertThat(errors(yaml))
        .containsExactly(
            "sluice.yaml:6:46: pools[0].health.sip_port: expected 1 to 65535, got 0",
            "sluice.yaml:9:27: pools[1].health.sip_transport: sip_transport applies to sip checks"
                + " only",
            "sluice.yaml:9:47: pools[1].health.sip_port: sip_port applies to sip checks only",
            "sluice.yaml:12:26: pools[2].health.sip_port: expected 1 to 65535, got 65536");
  }

  @Test
  void reportsAUnixSocketServerInAPoolWithASipCheck() {
    String yaml =
        LISTENERS
            + """
            pools:
              - name: ssh
                servers: [{address: "10.0.0.11:5060"}, {address: "unix:/run/sip.sock"}]
                health: {check: sip}
            """;

    assertThat(errors(yaml))
        .containsExactly(
            "sluice.yaml:5:45: pools[0].servers[1].address: a sip check needs host:port servers,"
                + " got 'unix:/run/sip.sock'");
  }

  @Test
  void acceptsASipCheckWithItsDefaults() {
    String yaml =
        LISTENERS
            + """
            pools:
              - name: ssh
                servers: [{address: "10.0.0.11:5060"}]
                health: {check: sip}
            """;

    assertThat(ConfigLoader.parse(yaml, "sluice.yaml").errors()).isEmpty();
  }

  @Test
  void reportsHealthValuesOutOfRange() {
    String yaml =
        LISTENERS
            + """
            pools:
              - name: ssh
                servers: [{address: "10.0.0.11:22"}]
                health: {check: agent, interval: 0s, rise: 0, expect_status: 2xx}
            """;

    assertThat(errors(yaml))
        .containsExactly(
            "sluice.yaml:6:5: pools[0].health.agent_port: an agent check needs agent_port",
            "sluice.yaml:6:28: pools[0].health.interval: expected a duration greater than 0, got 0",
            "sluice.yaml:6:42: pools[0].health.rise: expected 1 to 100, got 0",
            "sluice.yaml:6:51: pools[0].health.expect_status: expected a status or a range such as"
                + " 200-399, got '2xx'");
  }

  @Test
  void reportsTlsKeysThatCannotWork() {
    String yaml =
        """
        listeners:
          - name: disco
            bind: [":8443"]
            protocol: tls
            pool: ssh
            tls:
              certificates: [{cert: /nonexistent/c.pem, key: /nonexistent/k.pem, names: ["bad name"]}]
              client_auth: none
              client_ca: /nonexistent/ca.pem
              provider: jdk
              signer: aws_lc
              handshake_timeout: 0s
              signing_queue: 0
              session_tickets: {rotate: 0s}
              versions: []
        """
            + POOLS;

    assertThat(errors(yaml))
        .containsExactly(
            "sluice.yaml:7:23: listeners[0].tls.certificates[0].cert: cannot read"
                + " '/nonexistent/c.pem'",
            "sluice.yaml:7:49: listeners[0].tls.certificates[0].key: cannot read"
                + " '/nonexistent/k.pem'",
            "sluice.yaml:7:82: listeners[0].tls.certificates[0].names[0]: expected a host name"
                + " or *.domain, got 'bad name'",
            "sluice.yaml:9:7: listeners[0].tls.client_ca: client_ca applies with client_auth:"
                + " request or require only",
            "sluice.yaml:11:7: listeners[0].tls.signer: signer 'aws_lc' needs provider:"
                + " boringssl (with provider: jdk the JDK signs)",
            "sluice.yaml:12:7: listeners[0].tls.handshake_timeout: expected a duration greater"
                + " than 0, got 0",
            "sluice.yaml:13:7: listeners[0].tls.signing_queue: expected at least 1, got 0",
            "sluice.yaml:14:25: listeners[0].tls.session_tickets.rotate: expected a duration"
                + " greater than 0, got 0",
            "sluice.yaml:15:7: listeners[0].tls.versions: at least one TLS version is required");
  }

  @Test
  void reportsAnAcmeBlockAtEachKeyItGetsWrong() {
    String yaml =
        """
        listeners:
          - name: b
            bind: [":8444"]
            protocol: tls
            pool: ssh
            tls:
              acme:
                directory: http://ca.example/dir
                email: nobody
                domains: ["*.example.com"]
                challenge: http-01
                storage: /etc/hostname/acme
                renew_at: 99%
                on_demand: {allow: [], wait: 30s, max_pending: 0}
        """
            + POOLS;

    assertThat(errors(yaml))
        .containsExactly(
            "sluice.yaml:8:9: listeners[0].tls.acme.directory: expected an https URL, got"
                + " 'http://ca.example/dir'",
            "sluice.yaml:9:9: listeners[0].tls.acme.email: expected an email address, got"
                + " 'nobody'",
            "sluice.yaml:10:19: listeners[0].tls.acme.domains[0]: expected a host name (no"
                + " wildcard: tls-alpn-01 and http-01 cannot prove one), got '*.example.com'",
            "sluice.yaml:11:9: listeners[0].tls.acme.challenge: http-01 is answered by an http"
                + " listener, and there is none (use tls-alpn-01, or add one on port 80)",
            "sluice.yaml:12:9: listeners[0].tls.acme.storage: cannot create or write the"
                + " directory '/etc/hostname/acme'",
            "sluice.yaml:13:9: listeners[0].tls.acme.renew_at: expected 10% to 95% of the"
                + " lifetime",
            "sluice.yaml:14:21: listeners[0].tls.acme.on_demand.allow: at least one name or"
                + " *.domain is required",
            "sluice.yaml:14:32: listeners[0].tls.acme.on_demand.wait: expected less than"
                + " tls.handshake_timeout",
            "sluice.yaml:14:43: listeners[0].tls.acme.on_demand.max_pending: expected 1 to 1000");
  }

  @Test
  void reportsATlsListenerWithoutTlsOrPoolAndRequireWithoutClientCa() {
    String yaml =
        """
        listeners:
          - {name: a, bind: [":8443"], protocol: tls}
          - name: b
            bind: [":8444"]
            protocol: tls
            pool: ssh
            tls: {certificates: [], client_auth: require}
        """
            + POOLS;

    assertThat(errors(yaml))
        .containsExactly(
            "sluice.yaml:2:5: listeners[0].pool: a tls listener needs a pool",
            "sluice.yaml:2:5: listeners[0].tls: a tls listener needs tls",
            "sluice.yaml:7:5: listeners[1].tls.client_ca: client_auth: require needs client_ca,"
                + " the CAs client certificates must chain to",
            "sluice.yaml:7:11: listeners[1].tls.certificates: at least one certificate is"
                + " required");
  }

  @Test
  void reportsSniRoutesToMissingPoolsOrWithBadNames() {
    String yaml =
        """
        listeners:
          - name: front
            bind: [":8443"]
            pool: ssh
            sni_routes:
              - {names: [git.example.test], pool: shh}
              - {names: ["bad name"], pool: ssh}
              - {names: [], pool: ssh}
        """
            + POOLS;

    assertThat(errors(yaml))
        .containsExactly(
            "sluice.yaml:6:37: listeners[0].sni_routes[0].pool: no pool named 'shh', did you mean"
                + " 'ssh'?",
            "sluice.yaml:7:18: listeners[0].sni_routes[1].names[0]: expected a host name or"
                + " *.domain, got 'bad name'",
            "sluice.yaml:8:10: listeners[0].sni_routes[2].names: at least one server name is"
                + " required");
  }

  @Test
  void acceptsAUdpListenerWithEveryUdpKey() {
    String yaml =
        """
        udp_buffers: {budget: 8MiB, reserve: 25%}
        listeners:
          - name: sip
            bind: ["127.0.0.1:5060", "[::1]:5060"]
            protocol: udp
            pool: ssh
            udp: {affinity: sip_call_id, max_flows: 500, flow_rate: 50/s, server_rate: 5000/s,
                  on_server_down: stick, max_datagram: 4KiB}
        """
            + POOLS;

    ConfigResult result = ConfigLoader.parse(yaml, "sluice.yaml");
    assertThat(result.errors()).isEmpty();
    UdpConfig udp = result.config().listeners().get(0).udp();
    assertThat(udp)
        .isEqualTo(
            new UdpConfig(
                UdpConfig.Affinity.SIP_CALL_ID,
                500,
                Rate.parse("50/s"),
                Rate.parse("5000/s"),
                UdpConfig.OnServerDown.STICK,
                new DataSize(4096)));
    assertThat(result.config().udpBuffers())
        .isEqualTo(new UdpBuffersConfig(new DataSize(8 << 20), new Percent(25)));
  }

  @Test
  void letsAUdpAndATcpListenerShareAPortNumberButNotTwoUdpListeners() {
    String yaml =
        """
        listeners:
          - {name: sip-udp, bind: [":5060"], protocol: udp, pool: ssh}
          - {name: sip-tcp, bind: [":5060"], pool: ssh}
          - {name: again, bind: [":5060"], protocol: udp, pool: ssh}
        """
            + POOLS;

    assertThat(errors(yaml))
        .containsExactly(
            "sluice.yaml:4:26: listeners[2].bind[0]: ':5060' is already bound by"
                + " listeners[0].bind[0]");
  }

  @Test
  void givesAUdpListenerDefaultsAndOthersNone() {
    String yaml =
        """
        listeners:
          - {name: sip, bind: ["127.0.0.1:5060"], protocol: udp, pool: ssh}
          - {name: ssh, bind: ["127.0.0.1:2222"], pool: ssh}
        """
            + POOLS;

    ConfigResult result = ConfigLoader.parse(yaml, "sluice.yaml");
    assertThat(result.errors()).isEmpty();
    assertThat(result.config().listeners().get(0).udp()).isEqualTo(UdpConfig.DEFAULT);
    assertThat(result.config().listeners().get(0).udp().affinity())
        .isEqualTo(UdpConfig.Affinity.CLIENT);
    assertThat(result.config().listeners().get(1).udp()).isNull();
  }

  @Test
  void reportsWhatADatagramRelayCannotDo() {
    String yaml =
        """
        udp_buffers: {budget: 64KiB, reserve: 95%}
        listeners:
          - {name: sip, bind: ["unix:/tmp/sip.sock"], protocol: udp, pool: sip, accept_proxy: true, udp: {max_flows: 0, flow_rate: 0/s, max_datagram: 100B}}
          - {name: ssh, bind: ["127.0.0.1:2222"], pool: sip, udp: {max_flows: 5}}
          - {name: big, bind: ["127.0.0.1:5061"], protocol: udp, pool: sip, udp: {max_datagram: 9000B}}
        pools:
          - name: sip
            servers:
              - {address: "127.0.0.1:5070", send_proxy: true}
              - {address: "unix:/run/sip.sock"}
        """;

    assertThat(errors(yaml))
        .containsExactly(
            "sluice.yaml:1:15: udp_buffers.budget: holds 7 buffers of 9000 bytes (max_datagram of"
                + " listener 'big'); at least 64 are needed",
            "sluice.yaml:1:30: udp_buffers.reserve: expected 0% to 90% (new datagrams need some"
                + " of the budget), got 95.0%",
            "sluice.yaml:3:24: listeners[0].bind[0]: a udp listener binds host:port addresses"
                + " only, got 'unix:/tmp/sip.sock'",
            "sluice.yaml:3:73: listeners[0].accept_proxy: accept_proxy applies to tcp and tls"
                + " listeners only (datagrams carry no PROXY header)",
            "sluice.yaml:3:99: listeners[0].udp.max_flows: expected 1 to 10000000, got 0",
            "sluice.yaml:3:113: listeners[0].udp.flow_rate: expected at least 1 datagram per"
                + " period",
            "sluice.yaml:3:129: listeners[0].udp.max_datagram: expected 512B to 65535B, got 100B",
            "sluice.yaml:4:54: listeners[1].udp: udp applies to udp listeners only",
            "sluice.yaml:9:37: pools[0].servers[0].send_proxy: udp listener 'sip' uses this"
                + " pool: PROXY v1 has no datagram form, use send_proxy_v2",
            "sluice.yaml:10:10: pools[0].servers[1].address: udp listener 'sip' relays to"
                + " host:port servers only, got 'unix:/run/sip.sock'");
  }

  @Test
  void reportsPoolTlsKeysThatCannotWork() {
    String yaml =
        LISTENERS
            + """
            pools:
              - name: ssh
                servers:
                  - {address: "10.0.0.11:22", send_proxy_v2: true, proxy_v2_cert_tlv: 0xD0}
                  - {address: "10.0.0.12:22", proxy_v2_cert_tlv: 0xE1}
                tls: {verify: false, ca: /no/such/ca.pem, sni: "*.example.com", cert: /no/cert.pem, alpn: [""]}
            """;

    assertThat(errors(yaml))
        .containsExactly(
            "sluice.yaml:6:56: pools[0].servers[0].proxy_v2_cert_tlv: expected 0 (none) or a"
                + " custom TLV type from 0xE0 to 0xEF (224 to 239), got 208",
            "sluice.yaml:8:5: pools[0].tls.key: a file path is required",
            "sluice.yaml:8:26: pools[0].tls.ca: cannot read '/no/such/ca.pem'",
            "sluice.yaml:8:26: pools[0].tls.ca: ca applies with verify: true only",
            "sluice.yaml:8:47: pools[0].tls.sni: expected a host name, got '*.example.com'",
            "sluice.yaml:8:69: pools[0].tls.cert: cannot read '/no/cert.pem'",
            "sluice.yaml:8:96: pools[0].tls.alpn[0]: expected a protocol name of 1 to 255 bytes,"
                + " such as h2 or http/1.1");
  }

  @Test
  void acceptsAPoolTlsBlockWithItsDefaults() {
    String yaml =
        LISTENERS
            + """
            pools:
              - name: ssh
                servers: [{address: "10.0.0.11:22"}]
                tls: {sni: backend.example.com, alpn: [h2, http/1.1], min_version: tlsv1.3}
            """;

    ConfigResult result = ConfigLoader.parse(yaml, "sluice.yaml");
    assertThat(result.errors()).isEmpty();
    UpstreamTlsConfig tls = result.config().pools().get(0).tls();
    assertThat(tls.enabled()).isTrue();
    assertThat(tls.verify()).isTrue();
    assertThat(tls.minVersion()).isEqualTo(TlsConfig.TlsVersion.TLS_1_3);
    assertThat(result.config().pools().get(0).servers().get(0).proxyV2CertTlv()).isEqualTo(0xE0);
  }

  @Test
  void reportsABadClusterWithItsPlace() {
    String yaml =
        LISTENERS
            + POOLS
            + """
            cluster:
              redis: "redis://127.0.0.1"
              name: "two words"
              sync_interval: 1ms
              timeout: 5s
            """;

    assertThat(errors(yaml))
        .containsExactly(
            "sluice.yaml:6:3: cluster.redis: '127.0.0.1' has no port (expected: host:port,"
                + " [ipv6]:port or :port)",
            "sluice.yaml:7:3: cluster.name: expected 1 to 64 letters, digits, '.', '_', ':' or '-',"
                + " got 'two words'",
            "sluice.yaml:8:3: cluster.sync_interval: expected 10ms to 5000ms",
            "sluice.yaml:9:3: cluster.timeout: expected 10ms to 1000ms");
  }

  @Test
  void reportsAClusterAcceptRateScopeWithoutARate() {
    String yaml =
        """
        listeners:
          - {name: git-ssh, bind: [":2222"], pool: ssh, accept_rate_scope: cluster}
        cluster: {redis: "127.0.0.1:6379"}
        """
            + POOLS;

    assertThat(errors(yaml))
        .containsExactly(
            "sluice.yaml:2:49: listeners[0].accept_rate_scope: accept_rate_scope: cluster needs an"
                + " accept_rate to share");
  }

  @Test
  void reportsAClusterScopeWithoutACluster() {
    String yaml =
        """
        listeners:
          - {name: git-ssh, bind: [":2222"], pool: ssh, accept_rate_scope: cluster}
        pools:
          - {name: ssh, scope: cluster, servers: [{address: "10.0.0.11:22"}]}
        """;

    assertThat(errors(yaml))
        .containsExactly(
            "sluice.yaml:2:49: listeners[0].accept_rate_scope: a cluster accept_rate needs a"
                + " top-level cluster: {redis: host:port}",
            "sluice.yaml:4:17: pools[0].scope: scope: cluster needs a top-level cluster: {redis:"
                + " host:port}");
  }

  @Test
  void reportsSpliceOnAListenerThatIsNotTcpAndANegativePipeCount() {
    String yaml =
        """
        max_pipes: -2
        listeners:
          - {name: git-ssh, bind: [":2222"], pool: ssh, splice: off}
          - {name: web, bind: [":8080"], pool: ssh, protocol: http, splice: auto}
        """
            + POOLS;

    assertThat(errors(yaml))
        .containsExactly(
            "sluice.yaml:1:1: max_pipes: expected 0 or more, got -2",
            "sluice.yaml:4:61: listeners[1].splice: splice applies to tcp listeners only");
  }

  @Test
  void refusesAnAdminListenerBeyondLoopbackWithoutAToken() {
    String open = LISTENERS + POOLS + "admin: {bind: \"0.0.0.0:9900\"}\n";
    String blank = LISTENERS + POOLS + "admin: {bind: \":9900\", token: \" \"}\n";

    assertThat(errors(open))
        .containsExactly(
            "sluice.yaml:5:1: admin.token: an admin listener bound beyond loopback needs a token"
                + " (admin.bind is 0.0.0.0:9900)");
    assertThat(errors(blank)).hasSize(1).allMatch(error -> error.contains("admin.token"));
  }

  @Test
  void takesAnAdminListenerOnLoopbackWithoutATokenAndBeyondItWithOne() {
    for (String admin :
        new String[] {
          "{bind: \"127.0.0.1:9900\"}",
          "{bind: \"[::1]:9900\"}",
          "{bind: \"localhost:9900\"}",
          "{bind: \"LocalHost:9900\"}",
          "{bind: \"0.0.0.0:9900\", token: s3cret}"
        }) {
      String yaml = LISTENERS + POOLS + "admin: " + admin + "\n";
      assertThat(ConfigLoader.parse(yaml, "sluice.yaml").errors()).as(admin).isEmpty();
    }
  }
}
