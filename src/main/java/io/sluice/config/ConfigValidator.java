package io.sluice.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The checks binding cannot make: ranges, names that must be unique, listeners that must find their
 * pool, and addresses that must parse and be bindable. Every problem is reported, by key path, in
 * the order of the file's keys.
 *
 * <p>Not thread-safe: one instance per validation.
 */
final class ConfigValidator {
  private static final String LISTENERS = "listeners";
  private static final String POOLS = "pools";

  /** The protocols listeners can run today; the others parse so the file can name them. */
  private static final Set<Protocol> SUPPORTED =
      Set.of(Protocol.TCP, Protocol.TLS, Protocol.HTTP, Protocol.HTTPS, Protocol.UDP);

  /** An HTTP method: a token of upper-case letters. */
  private static final Pattern METHOD = Pattern.compile("[A-Z]+");

  /** An HTTP header name: a token (RFC 9110 section 5.6.2). */
  private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

  /** An SNI name: labels of letters, digits and hyphens, optionally after a leading {@code *.}. */
  private static final Pattern SNI_NAME =
      Pattern.compile(
          "(\\*\\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?",
          Pattern.CASE_INSENSITIVE);

  private final List<Problem> problems = new ArrayList<>();

  /** The first bind of each address, to catch two listeners on one. */
  private final Map<Endpoint, String> boundAt = new HashMap<>();

  /** The same for udp listeners: a UDP port and a TCP port of one number do not collide. */
  private final Map<Endpoint, String> datagramBoundAt = new HashMap<>();

  private ConfigValidator() {}

  static List<Problem> validate(Config config) {
    ConfigValidator validator = new ConfigValidator();
    validator.checkListeners(config);
    validator.checkPools(config.pools());
    validator.problems.addAll(UdpChecks.check(config));
    validator.problems.addAll(DnsChecks.check(config));
    validator.checkPositive("drain_timeout", config.drainTimeout());
    validator.checkAccessLog(config.accessLog());
    if (config.admin() != null) {
      validator.checkAdmin(config.admin());
    }
    if (config.maxConnections() != null) {
      validator.checkAtLeastOne("max_connections", config.maxConnections());
    }
    if (config.maxPipes() != null && config.maxPipes() < 0) {
      validator.report("max_pipes", "expected 0 or more, got " + config.maxPipes());
    }
    validator.checkPositive("watchdog.tick", config.watchdog().tick());
    validator.checkPositive("watchdog.stall", config.watchdog().stall());
    validator.checkPositive("self_probe.interval", config.selfProbe().interval());
    validator.checkPositive("self_probe.timeout", config.selfProbe().timeout());
    if (config.cluster() != null) {
      validator.checkCluster(config.cluster());
    }
    if (config.tracing() != null) {
      validator.checkTracing(config.tracing());
    }
    validator.checkClusterScopes(config);
    validator.checkBufferMemory(config.bufferMemory());
    return List.copyOf(validator.problems);
  }

  private void checkBufferMemory(BufferMemoryConfig memory) {
    DataSize budget = memory.budget();
    if (budget != null && budget.bytes() < BufferMemoryConfig.MIN_BUDGET.bytes()) {
      problems.add(
          new Problem(
              "buffer_memory.budget", "expected at least 1MiB, got " + budget.bytes() + "B"));
    }
    DataSize reserve = memory.reserve();
    if (budget != null && reserve != null && reserve.bytes() >= budget.bytes()) {
      problems.add(
          new Problem(
              "buffer_memory.reserve",
              "expected less than the budget ("
                  + budget.bytes()
                  + "B): new work needs some of it, got "
                  + reserve.bytes()
                  + "B"));
    }
  }

  private void checkListeners(Config config) {
    if (config.listeners().isEmpty()) {
      report(LISTENERS, "at least one listener is required");
      return;
    }
    List<String> poolNames =
        config.pools().stream().map(PoolConfig::name).filter(Objects::nonNull).toList();
    Map<String, String> names = new HashMap<>();
    for (int i = 0; i < config.listeners().size(); i++) {
      String path = KeyPath.item(LISTENERS, i);
      ListenerConfig listener = config.listeners().get(i);
      checkName(path, listener.name(), names, "listener");
      checkBind(
          KeyPath.child(path, "bind"),
          listener.bind(),
          listener.protocol() == Protocol.UDP ? datagramBoundAt : boundAt);
      checkProtocol(path, listener.protocol());
      checkPoolReference(path, listener, poolNames);
      checkSniRoutes(path, listener, poolNames);
      if (listener.splice() != null && listener.protocol() != Protocol.TCP) {
        report(KeyPath.child(path, "splice"), "splice applies to tcp listeners only");
      }
      checkRange(KeyPath.child(path, "backlog"), listener.backlog(), 1, 65_535);
      checkAtLeastOne(KeyPath.child(path, "max_connections"), listener.maxConnections());
      String timeouts = KeyPath.child(path, "timeouts");
      checkPositive(KeyPath.child(timeouts, "idle"), listener.timeouts().idle());
      checkPositive(KeyPath.child(timeouts, "proxy_header"), listener.timeouts().proxyHeader());
      if (listener.acceptRate() != null && listener.acceptRate().count() < 1) {
        report(KeyPath.child(path, "accept_rate"), "expected at least 1 connection per period");
      }
      checkAtLeastOne(KeyPath.child(path, "accept_burst"), listener.acceptBurst());
      checkTls(path, listener, config);
      checkHttp(path, listener, poolNames);
    }
  }

  private void checkHttp(String path, ListenerConfig listener, List<String> poolNames) {
    String routesPath = KeyPath.child(path, "routes");
    if (!listener.isHttp()) {
      if (!listener.routes().isEmpty()) {
        report(routesPath, "routes apply to http and https listeners only");
      }
      return;
    }
    if (listener.routes().isEmpty() && (listener.pool() == null || listener.pool().isBlank())) {
      report(
          KeyPath.child(path, "pool"),
          "an " + YamlNames.word(listener.protocol()) + " listener needs a pool or routes");
    }
    for (int i = 0; i < listener.routes().size(); i++) {
      checkRoute(KeyPath.item(routesPath, i), listener.routes().get(i), poolNames);
    }
    String httpPath = KeyPath.child(path, "http");
    HttpConfig http = listener.http();
    checkRange(KeyPath.child(httpPath, "max_request_line"), http.maxRequestLine(), 64, 1 << 20);
    if (http.maxHeaderSize().bytes() < 256 || http.maxHeaderSize().bytes() > (1 << 20)) {
      report(KeyPath.child(httpPath, "max_header_size"), "expected 256B to 1MiB");
    }
    checkRange(KeyPath.child(httpPath, "max_headers"), http.maxHeaders(), 1, 10_000);
    String timeouts = KeyPath.child(httpPath, "timeouts");
    checkPositive(KeyPath.child(timeouts, "request_head"), http.timeouts().requestHead());
    checkPositive(KeyPath.child(timeouts, "body"), http.timeouts().body());
    checkPositive(KeyPath.child(timeouts, "keep_alive"), http.timeouts().keepAlive());
    checkPositive(KeyPath.child(timeouts, "send"), http.timeouts().send());
    checkRange(
        KeyPath.child(KeyPath.child(httpPath, "overload"), "status"),
        http.overload().status(),
        400,
        599);
    if (http.targetHeader() != null) {
      checkHeaderName(KeyPath.child(httpPath, "target_header"), http.targetHeader());
    }
    checkHeaderName(
        KeyPath.child(KeyPath.child(httpPath, "forwarded"), "request_id"),
        http.forwarded().requestId());
    String h2 = KeyPath.child(httpPath, "h2");
    checkRange(
        KeyPath.child(h2, "max_concurrent_streams"), http.h2().maxConcurrentStreams(), 1, 10_000);
    checkAtLeastOne(KeyPath.child(h2, "max_resets_per_minute"), http.h2().maxResetsPerMinute());
    checkAtLeastOne(
        KeyPath.child(h2, "max_queued_control_frames"), http.h2().maxQueuedControlFrames());
    checkAtLeastOne(
        KeyPath.child(h2, "max_consecutive_empty_data_frames"),
        http.h2().maxConsecutiveEmptyDataFrames());
  }

  private void checkRoute(String path, RouteConfig route, List<String> poolNames) {
    String poolPath = KeyPath.child(path, "pool");
    if (route.pool() == null || route.pool().isBlank()) {
      report(poolPath, "a route needs a pool");
    } else {
      checkPoolExists(poolPath, route.pool(), poolNames);
    }
    checkSniNames(KeyPath.child(path, "hosts"), route.hosts());
    if (route.path() != null && !route.path().startsWith("/")) {
      report(KeyPath.child(path, "path"), "a path starts with /");
    }
    if (route.pathPrefix() != null && !route.pathPrefix().startsWith("/")) {
      report(KeyPath.child(path, "path_prefix"), "a path prefix starts with /");
    }
    if (route.pathRegex() != null) {
      try {
        Pattern.compile(route.pathRegex());
      } catch (java.util.regex.PatternSyntaxException e) {
        report(
            KeyPath.child(path, "path_regex"), "not a regular expression: " + e.getDescription());
      }
    }
    String methods = KeyPath.child(path, "methods");
    for (int i = 0; i < route.methods().size(); i++) {
      if (!METHOD.matcher(route.methods().get(i)).matches()) {
        report(KeyPath.item(methods, i), "expected an upper-case method such as GET");
      }
    }
    for (String header : route.headers().keySet()) {
      checkHeaderName(KeyPath.child(path, "headers"), header);
    }
    if (route.maxConcurrent() != null) {
      checkAtLeastOne(KeyPath.child(path, "max_concurrent"), route.maxConcurrent());
    }
  }

  private void checkTracing(TracingConfig tracing) {
    String endpoint = tracing.otlpEndpoint();
    String path = "tracing.otlp_endpoint";
    if (endpoint == null || endpoint.isBlank()) {
      report(path, "the collector's URL is required, e.g. http://127.0.0.1:4318/v1/traces");
    } else {
      try {
        java.net.URI uri = new java.net.URI(endpoint);
        if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
            || uri.getHost() == null) {
          report(path, "expected an http or https URL, got '" + endpoint + "'");
        }
      } catch (java.net.URISyntaxException e) {
        report(path, "expected an http or https URL, got '" + endpoint + "'");
      }
    }
    checkAtLeastOne("tracing.queue", tracing.queue());
  }

  private void checkPoolHttp(String path, PoolHttpConfig http) {
    checkRange(KeyPath.child(path, "max_idle_per_server"), http.maxIdlePerServer(), 0, 100_000);
    checkPositive(KeyPath.child(path, "idle_timeout"), http.idleTimeout());
    if (http.fullStatus() != null) {
      checkRange(KeyPath.child(path, "full_status"), http.fullStatus(), 100, 599);
    }
    if (http.fullHeader() != null) {
      checkHeaderName(KeyPath.child(path, "full_header"), http.fullHeader());
    }
  }

  private void checkHeaderName(String path, String name) {
    if (name == null || !HEADER_NAME.matcher(name).matches()) {
      report(path, "expected a header name, got '" + name + "'");
    }
  }

  private void checkName(String path, String name, Map<String, String> seen, String what) {
    String namePath = KeyPath.child(path, "name");
    if (name == null || name.isBlank()) {
      report(namePath, "a name is required");
      return;
    }
    String first = seen.putIfAbsent(name, path);
    if (first != null) {
      report(namePath, what + " name '" + name + "' is already used by " + first);
    }
  }

  private void checkBind(String path, List<String> addresses, Map<Endpoint, String> boundAt) {
    if (addresses.isEmpty()) {
      report(path, "at least one address is required");
      return;
    }
    for (int i = 0; i < addresses.size(); i++) {
      String itemPath = KeyPath.item(path, i);
      String text = addresses.get(i);
      Endpoint endpoint;
      try {
        endpoint = Endpoint.parse(text);
      } catch (IllegalArgumentException e) {
        report(itemPath, e.getMessage());
        continue;
      }
      String hostProblem =
          endpoint.kind() == Endpoint.Kind.INET ? BindHostCheck.problem(endpoint.host()) : null;
      if (hostProblem != null) {
        report(itemPath, hostProblem);
      }
      String first = boundAt.putIfAbsent(endpoint, itemPath);
      if (first != null) {
        report(itemPath, "'" + text + "' is already bound by " + first);
      }
    }
  }

  private void checkProtocol(String path, Protocol protocol) {
    if (!SUPPORTED.contains(protocol)) {
      report(
          KeyPath.child(path, "protocol"),
          "protocol '"
              + YamlNames.word(protocol)
              + "' is not supported yet (supported: tcp, tls, http, https, udp)");
    }
  }

  private void checkTls(String path, ListenerConfig listener, Config config) {
    boolean terminates =
        listener.protocol() == Protocol.TLS || listener.protocol() == Protocol.HTTPS;
    String tlsPath = KeyPath.child(path, "tls");
    TlsConfig tls = listener.tls();
    if (tls == null) {
      if (terminates) {
        report(tlsPath, "a " + YamlNames.word(listener.protocol()) + " listener needs tls");
      }
      return;
    }
    if (!terminates) {
      report(tlsPath, "tls applies to tls and https listeners only");
      return;
    }
    String certificates = KeyPath.child(tlsPath, "certificates");
    if (tls.certificates().isEmpty() && tls.acme() == null) {
      report(certificates, "at least one certificate is required");
    }
    if (tls.acme() != null) {
      boolean httpListener =
          config.listeners().stream().anyMatch(l -> l.protocol() == Protocol.HTTP);
      problems.addAll(
          AcmeChecks.check(KeyPath.child(tlsPath, "acme"), tls.acme(), tls, httpListener));
    }
    for (int i = 0; i < tls.certificates().size(); i++) {
      String item = KeyPath.item(certificates, i);
      TlsConfig.CertificateConfig certificate = tls.certificates().get(i);
      checkReadableFile(KeyPath.child(item, "cert"), certificate.cert());
      checkReadableFile(KeyPath.child(item, "key"), certificate.key());
      checkSniNames(KeyPath.child(item, "names"), certificate.names());
    }
    if (tls.clientCa() != null && tls.clientAuth() == TlsConfig.ClientAuth.NONE) {
      report(
          KeyPath.child(tlsPath, "client_ca"),
          "client_ca applies with client_auth: request or require only");
    } else if (tls.clientCa() != null) {
      checkReadableFile(KeyPath.child(tlsPath, "client_ca"), tls.clientCa());
    } else if (tls.clientAuth() == TlsConfig.ClientAuth.REQUIRE) {
      report(
          KeyPath.child(tlsPath, "client_ca"),
          "client_auth: require needs client_ca, the CAs client certificates must chain to");
    }
    if (tls.sessionTickets().keyFile() != null) {
      checkReadableFile(
          KeyPath.child(KeyPath.child(tlsPath, "session_tickets"), "key_file"),
          tls.sessionTickets().keyFile());
    }
    if (tls.versions().isEmpty()) {
      report(KeyPath.child(tlsPath, "versions"), "at least one TLS version is required");
    }
    checkPositive(KeyPath.child(tlsPath, "handshake_timeout"), tls.handshakeTimeout());
    checkPositive(
        KeyPath.child(KeyPath.child(tlsPath, "session_tickets"), "rotate"),
        tls.sessionTickets().rotate());
    checkAtLeastOne(KeyPath.child(tlsPath, "signing_queue"), tls.signingQueue());
    checkSignerAndProvider(tlsPath, tls);
  }

  private void checkSniRoutes(String path, ListenerConfig listener, List<String> poolNames) {
    if (listener.sniRoutes().isEmpty()) {
      return;
    }
    String routesPath = KeyPath.child(path, "sni_routes");
    if (listener.protocol() != Protocol.TCP) {
      report(routesPath, "sni_routes applies to tcp listeners (TLS passed through) only");
      return;
    }
    for (int i = 0; i < listener.sniRoutes().size(); i++) {
      String item = KeyPath.item(routesPath, i);
      ListenerConfig.SniRoute route = listener.sniRoutes().get(i);
      if (route.names().isEmpty()) {
        report(KeyPath.child(item, "names"), "at least one server name is required");
      }
      checkSniNames(KeyPath.child(item, "names"), route.names());
      if (route.pool() == null || route.pool().isBlank()) {
        report(KeyPath.child(item, "pool"), "a route needs a pool");
      } else {
        checkPoolExists(KeyPath.child(item, "pool"), route.pool(), poolNames);
      }
    }
  }

  private void checkSniNames(String path, List<String> names) {
    for (int i = 0; i < names.size(); i++) {
      String name = names.get(i);
      if (name == null || name.length() > 253 || !SNI_NAME.matcher(name).matches()) {
        report(KeyPath.item(path, i), "expected a host name or *.domain, got '" + name + "'");
      }
    }
  }

  /** The JDK's engine signs with its own key: only BoringSSL can hand signing to another signer. */
  private void checkSignerAndProvider(String tlsPath, TlsConfig tls) {
    if (tls.provider() == TlsConfig.TlsProvider.JDK
        && (tls.signer() == TlsConfig.Signer.AWS_LC
            || tls.signer() == TlsConfig.Signer.BORINGSSL)) {
      report(
          KeyPath.child(tlsPath, "signer"),
          "signer '"
              + YamlNames.word(tls.signer())
              + "' needs provider: boringssl (with provider: jdk the JDK signs)");
    }
  }

  private void checkAdmin(AdminConfig admin) {
    Endpoint endpoint;
    try {
      endpoint = Endpoint.parse(admin.bind());
    } catch (IllegalArgumentException e) {
      report("admin.bind", e.getMessage());
      return;
    }
    if (endpoint.kind() != Endpoint.Kind.INET) {
      report("admin.bind", "expected host:port for the admin listener");
      return;
    }
    String hostProblem = BindHostCheck.problem(endpoint.host());
    if (hostProblem != null) {
      report("admin.bind", hostProblem);
    } else if (!isLoopback(endpoint.host()) && (admin.token() == null || admin.token().isBlank())) {
      report(
          "admin.token",
          "an admin listener bound beyond loopback needs a token (admin.bind is "
              + admin.bind()
              + ")");
    }
  }

  /** An instance name goes into Redis keys and metric labels: short, and no spaces or braces. */
  private static final Pattern INSTANCE_NAME = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

  private void checkCluster(ClusterConfig cluster) {
    if (cluster.redis() == null || cluster.redis().isBlank()) {
      report("cluster.redis", "the Redis address is required (host:port)");
    } else {
      try {
        Endpoint endpoint = Endpoint.parse(cluster.redisAddress());
        if (endpoint.kind() != Endpoint.Kind.INET
            || endpoint.host().isEmpty()
            || endpoint.port() == 0) {
          report(
              "cluster.redis", "expected host:port or redis://host:port, got " + cluster.redis());
        }
      } catch (IllegalArgumentException e) {
        report("cluster.redis", e.getMessage());
      }
    }
    if (cluster.name() != null && !INSTANCE_NAME.matcher(cluster.name()).matches()) {
      report(
          "cluster.name",
          "expected 1 to 64 letters, digits, '.', '_', ':' or '-', got '" + cluster.name() + "'");
    }
    if (!INSTANCE_NAME.matcher(cluster.keyPrefix()).matches()) {
      report("cluster.key_prefix", "expected 1 to 64 letters, digits, '.', '_', ':' or '-'");
    }
    checkBetween("cluster.sync_interval", cluster.syncInterval(), 10, 5_000);
    checkBetween("cluster.publish_interval", cluster.publishInterval(), 10, 10_000);
    checkBetween("cluster.timeout", cluster.timeout(), 10, 1_000);
  }

  private void checkBetween(String path, Duration duration, long minMillis, long maxMillis) {
    if (duration.toMillis() < minMillis || duration.toMillis() > maxMillis) {
      report(path, "expected " + minMillis + "ms to " + maxMillis + "ms");
    }
  }

  /** {@code scope: cluster} needs a {@code cluster} to share through, and a limit to share. */
  private void checkClusterScopes(Config config) {
    for (int i = 0; i < config.listeners().size(); i++) {
      ListenerConfig listener = config.listeners().get(i);
      if (listener.acceptRateScope() != Scope.CLUSTER) {
        continue;
      }
      String path = KeyPath.child(KeyPath.item(LISTENERS, i), "accept_rate_scope");
      if (config.cluster() == null) {
        report(path, "a cluster accept_rate needs a top-level cluster: {redis: host:port}");
      } else if (listener.acceptRate() == null) {
        report(path, "accept_rate_scope: cluster needs an accept_rate to share");
      }
    }
    for (int i = 0; i < config.pools().size(); i++) {
      if (config.pools().get(i).scope() == Scope.CLUSTER && config.cluster() == null) {
        report(
            KeyPath.child(KeyPath.item(POOLS, i), "scope"),
            "scope: cluster needs a top-level cluster: {redis: host:port}");
      }
    }
  }

  private static boolean isLoopback(String host) {
    if (host.isEmpty()) {
      return false;
    }
    if (host.equalsIgnoreCase("localhost")) {
      // As BindHostCheck takes it, in any case; never looked up, so it cannot resolve elsewhere.
      return true;
    }
    try {
      return java.net.InetAddress.getByName(host).isLoopbackAddress();
    } catch (java.net.UnknownHostException e) {
      return false;
    }
  }

  private void checkHealth(String path, HealthConfig health) {
    checkPositive(KeyPath.child(path, "interval"), health.interval());
    checkPositive(KeyPath.child(path, "fast_interval"), health.fastInterval());
    checkPositive(KeyPath.child(path, "timeout"), health.timeout());
    checkRange(KeyPath.child(path, "rise"), health.rise(), 1, 100);
    checkRange(KeyPath.child(path, "fall"), health.fall(), 1, 100);
    if (!health.expectStatus().matches("[1-5]\\d\\d(-[1-5]\\d\\d)?")) {
      report(
          KeyPath.child(path, "expect_status"),
          "expected a status or a range such as 200-399, got '" + health.expectStatus() + "'");
    }
    if (!health.path().startsWith("/")) {
      report(
          KeyPath.child(path, "path"),
          "expected a path starting with /, got '" + health.path() + "'");
    }
    if (health.check() == HealthConfig.Check.AGENT && health.agentPort() == null) {
      report(KeyPath.child(path, "agent_port"), "an agent check needs agent_port");
    } else if (health.agentPort() != null) {
      checkRange(KeyPath.child(path, "agent_port"), health.agentPort(), 1, 65_535);
    }
    checkSipKeys(path, health);
  }

  private void checkSipKeys(String path, HealthConfig health) {
    boolean sip = health.check() == HealthConfig.Check.SIP;
    if (health.sipTransport() != null && !sip) {
      report(KeyPath.child(path, "sip_transport"), "sip_transport applies to sip checks only");
    }
    if (health.sipPort() == null) {
      return;
    }
    if (!sip) {
      report(KeyPath.child(path, "sip_port"), "sip_port applies to sip checks only");
    } else {
      checkRange(KeyPath.child(path, "sip_port"), health.sipPort(), 1, 65_535);
    }
  }

  /** SIP runs over UDP or TCP to a host and port; a unix-socket server has no SIP to ask. */
  private void checkSipServers(String serversPath, List<ServerConfig> servers) {
    for (int i = 0; i < servers.size(); i++) {
      String address = servers.get(i).address();
      try {
        if (Endpoint.parse(address).kind() != Endpoint.Kind.INET) {
          report(
              KeyPath.child(KeyPath.item(serversPath, i), "address"),
              "a sip check needs host:port servers, got '" + address + "'");
        }
      } catch (IllegalArgumentException e) {
        // reported by checkServerAddress
      }
    }
  }

  private void checkReadableFile(String path, String file) {
    if (file == null || file.isBlank()) {
      report(path, "a file path is required");
    } else if (!java.nio.file.Files.isReadable(java.nio.file.Path.of(file))) {
      report(path, "cannot read '" + file + "'");
    }
  }

  private void checkPoolReference(String path, ListenerConfig listener, List<String> poolNames) {
    String poolPath = KeyPath.child(path, "pool");
    String pool = listener.pool();
    if (pool == null || pool.isBlank()) {
      // HTTP listeners may route every request instead (checkHttp).
      if (SUPPORTED.contains(listener.protocol()) && !listener.isHttp()) {
        report(poolPath, "a " + YamlNames.word(listener.protocol()) + " listener needs a pool");
      }
      return;
    }
    checkPoolExists(poolPath, pool, poolNames);
  }

  private void checkPoolExists(String poolPath, String pool, List<String> poolNames) {
    if (poolNames.contains(pool)) {
      return;
    }
    String suggestion = DidYouMean.closest(pool, poolNames);
    if (suggestion != null) {
      report(poolPath, "no pool named '" + pool + "', did you mean '" + suggestion + "'?");
    } else if (poolNames.isEmpty()) {
      report(poolPath, "no pool named '" + pool + "' (no pools are defined)");
    } else {
      report(
          poolPath, "no pool named '" + pool + "' (pools: " + String.join(", ", poolNames) + ")");
    }
  }

  private void checkPools(List<PoolConfig> pools) {
    Map<String, String> names = new HashMap<>();
    for (int i = 0; i < pools.size(); i++) {
      String path = KeyPath.item(POOLS, i);
      PoolConfig pool = pools.get(i);
      checkName(path, pool.name(), names, "pool");
      String serversPath = KeyPath.child(path, "servers");
      if (pool.servers().isEmpty()) {
        report(serversPath, "a pool needs at least one server");
      }
      for (int j = 0; j < pool.servers().size(); j++) {
        checkServer(KeyPath.item(serversPath, j), pool.servers().get(j));
      }
      checkPositive(
          KeyPath.child(KeyPath.child(path, "timeouts"), "connect"), pool.timeouts().connect());
      checkPositive(
          KeyPath.child(KeyPath.child(path, "timeouts"), "response"), pool.timeouts().response());
      checkPoolHttp(KeyPath.child(path, "http"), pool.http());
      checkRange(KeyPath.child(path, "hash_balance_factor"), pool.hashBalanceFactor(), 101, 1_000);
      String queuePath = KeyPath.child(path, "queue");
      checkRange(KeyPath.child(queuePath, "max"), pool.queue().max(), 0, 1_000_000);
      checkPositive(KeyPath.child(queuePath, "timeout"), pool.queue().timeout());
      checkPositive(KeyPath.child(queuePath, "target"), pool.queue().target());
      checkPositive(KeyPath.child(queuePath, "interval"), pool.queue().interval());
      String retryPath = KeyPath.child(path, "retry");
      checkRange(KeyPath.child(retryPath, "attempts"), pool.retry().attempts(), 0, 10);
      checkRange(
          KeyPath.child(retryPath, "min_per_second"), pool.retry().minPerSecond(), 0, 1_000_000);
      checkHealth(KeyPath.child(path, "health"), pool.health());
      String outlierPath = KeyPath.child(path, "outlier");
      checkRange(
          KeyPath.child(outlierPath, "consecutive_failures"),
          pool.outlier().consecutiveFailures(),
          0,
          1_000_000);
      checkPositive(KeyPath.child(outlierPath, "base_ejection"), pool.outlier().baseEjection());
      checkPositive(KeyPath.child(outlierPath, "max_ejection"), pool.outlier().maxEjection());
      if (pool.slowStart().isNegative()) {
        report(KeyPath.child(path, "slow_start"), "expected a duration of 0 or more");
      }
      if (pool.health().check() == HealthConfig.Check.SIP) {
        checkSipServers(serversPath, pool.servers());
      }
      if (pool.tls() != null) {
        checkUpstreamTls(KeyPath.child(path, "tls"), pool.tls());
      }
    }
  }

  private void checkUpstreamTls(String path, UpstreamTlsConfig tls) {
    if (tls.ca() != null) {
      checkReadableFile(KeyPath.child(path, "ca"), tls.ca());
      if (!tls.verify()) {
        report(KeyPath.child(path, "ca"), "ca applies with verify: true only");
      }
    }
    if (tls.sni() != null
        && (tls.sni().length() > 253
            || tls.sni().startsWith("*")
            || !SNI_NAME.matcher(tls.sni()).matches())) {
      report(KeyPath.child(path, "sni"), "expected a host name, got '" + tls.sni() + "'");
    }
    if (tls.cert() != null || tls.key() != null) {
      checkReadableFile(KeyPath.child(path, "cert"), tls.cert());
      checkReadableFile(KeyPath.child(path, "key"), tls.key());
    }
    for (int i = 0; i < tls.alpn().size(); i++) {
      String protocol = tls.alpn().get(i);
      if (protocol.isEmpty() || protocol.length() > 255) {
        report(
            KeyPath.item(KeyPath.child(path, "alpn"), i),
            "expected a protocol name of 1 to 255 bytes, such as h2 or http/1.1");
      }
    }
  }

  private void checkServer(String path, ServerConfig server) {
    if (server.address() != null) {
      checkServerAddress(KeyPath.child(path, "address"), server.address());
    } else if (server.dns() == null && server.dnsSrv() == null) {
      report(
          KeyPath.child(path, "address"),
          "a server needs an address (host:port), or dns with a port, or dns_srv");
    }
    if (server.weight() != null) {
      // Absent only on dns_srv entries: their records give it (DnsChecks).
      checkRange(KeyPath.child(path, "weight"), server.weight(), 1, 256);
    }
    if (server.maxConnections() < 0 && !server.adaptiveLimit()) {
      report(
          KeyPath.child(path, "max_connections"),
          "expected 0 (no limit), more, or adaptive, got " + server.maxConnections());
    }
    String adaptivePath = KeyPath.child(path, "adaptive");
    ServerConfig.AdaptiveConfig adaptive = server.adaptive();
    checkRange(KeyPath.child(adaptivePath, "min"), adaptive.min(), 1, 1_000_000);
    checkRange(KeyPath.child(adaptivePath, "max"), adaptive.max(), 1, 1_000_000);
    if (adaptive.max() < adaptive.min()) {
      report(
          KeyPath.child(adaptivePath, "max"),
          "expected at least min (" + adaptive.min() + "), got " + adaptive.max());
    } else {
      checkRange(
          KeyPath.child(adaptivePath, "initial"),
          adaptive.initial(),
          adaptive.min(),
          adaptive.max());
    }
    if (server.sendProxy() && server.sendProxyV2()) {
      report(
          KeyPath.child(path, "send_proxy_v2"),
          "send_proxy and send_proxy_v2 cannot both be true (choose one PROXY protocol version)");
    }
    int tlv = server.proxyV2CertTlv();
    if (tlv != 0 && (tlv < 0xE0 || tlv > 0xEF)) {
      report(
          KeyPath.child(path, "proxy_v2_cert_tlv"),
          "expected 0 (none) or a custom TLV type from 0xE0 to 0xEF (224 to 239), got " + tlv);
    }
  }

  /** A server is connected to, so unlike a bind it needs a host and a port other than 0. */
  private void checkServerAddress(String path, String address) {
    Endpoint endpoint;
    try {
      endpoint = Endpoint.parse(address);
    } catch (IllegalArgumentException e) {
      report(path, e.getMessage());
      return;
    }
    if (endpoint.kind() != Endpoint.Kind.INET) {
      return;
    }
    if (endpoint.host().isEmpty()) {
      report(path, "'" + address + "' has no host (expected: host:port)");
    } else if (endpoint.port() == 0) {
      report(path, "'" + address + "' has port 0 (expected: 1 to 65535)");
    }
  }

  private void checkAccessLog(AccessLogConfig accessLog) {
    if (accessLog.path() != null && accessLog.path().isBlank()) {
      report("access_log.path", "expected a file path, stdout or off");
    }
    checkAtLeastOne("access_log.queue", accessLog.queue());
    if (accessLog.syslog() != null) {
      if (accessLog.path() != null) {
        report("access_log.syslog", "give either path or syslog, not both");
      }
      checkSyslogAddress("access_log.syslog", accessLog.syslog());
    }
    boolean custom = accessLog.format() == AccessLogConfig.Format.CUSTOM;
    if (custom && accessLog.template() == null) {
      report("access_log.template", "format: custom needs a template, e.g. \"%{client} %{term}\"");
    } else if (!custom && accessLog.template() != null) {
      report("access_log.template", "a template is only read with format: custom");
    } else if (custom) {
      checkTemplate("access_log.template", accessLog.template());
    }
  }

  private void checkSyslogAddress(String path, String address) {
    Endpoint endpoint;
    try {
      endpoint = Endpoint.parse(address);
    } catch (IllegalArgumentException e) {
      report(path, e.getMessage());
      return;
    }
    if (endpoint.kind() != Endpoint.Kind.INET
        || endpoint.host().isEmpty()
        || endpoint.port() == 0) {
      report(path, "expected host:port of a syslog receiver (UDP), got '" + address + "'");
    }
  }

  /**
   * Every {@code %{name}} must name a field; the error points at the name inside the value. Walks
   * the template as the access log parses it: {@code %%} is a literal percent sign.
   */
  private void checkTemplate(String path, String template) {
    int i = 0;
    while (i < template.length() - 1) {
      char next = template.charAt(i + 1);
      if (template.charAt(i) != '%' || (next != '%' && next != '{')) {
        i++;
        continue;
      }
      if (next == '%') {
        i += 2;
        continue;
      }
      int end = template.indexOf('}', i + 2);
      if (end < 0) {
        problems.add(new Problem(path, "'%{' without its closing '}'", i));
        return;
      }
      String name = template.substring(i + 2, end);
      if (!AccessLogConfig.FIELDS.contains(name)) {
        String suggestion = DidYouMean.closest(name, AccessLogConfig.FIELDS);
        problems.add(
            new Problem(
                path,
                "unknown field '%{"
                    + name
                    + "}'"
                    + (suggestion == null ? "" : " (did you mean %{" + suggestion + "}?)")
                    + "; fields: "
                    + String.join(", ", AccessLogConfig.FIELDS),
                i));
      }
      i = end + 1;
    }
  }

  private void checkRange(String path, int value, int min, int max) {
    if (value < min || value > max) {
      report(path, "expected " + min + " to " + max + ", got " + value);
    }
  }

  private void checkAtLeastOne(String path, int value) {
    if (value < 1) {
      report(path, "expected at least 1, got " + value);
    }
  }

  private void checkPositive(String path, Duration duration) {
    if (duration.isZero() || duration.isNegative()) {
      report(
          path, "expected a duration greater than 0, got " + (duration.isZero() ? "0" : duration));
    }
  }

  private void report(String path, String message) {
    problems.add(new Problem(path, message));
  }
}
