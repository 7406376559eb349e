package io.sluice.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The checks of servers found through DNS: each entry is one of {@code address}, {@code dns} or
 * {@code dns_srv}, names are names, {@code dns} has a port and {@code dns_srv} the {@code
 * _service._proto.name} form, and the resolution intervals, timeout and bounds are in range.
 *
 * <p>Not thread-safe: one instance per validation.
 */
final class DnsChecks {
  /**
   * A DNS label: letters, digits, hyphens and underscores, not starting or ending with a hyphen.
   */
  private static final String LABEL = "[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?";

  /** A name of one or more labels, optionally fully qualified by a trailing dot. */
  private static final Pattern NAME = Pattern.compile(LABEL + "(\\." + LABEL + ")*\\.?");

  /** RFC 2782: {@code _service._proto.name}. */
  private static final Pattern SRV_NAME =
      Pattern.compile("_[A-Za-z0-9-]{1,62}\\._[A-Za-z0-9-]{1,62}\\.(" + NAME.pattern() + ")");

  /** RFC 1035 section 2.3.4, without the trailing dot. */
  private static final int MAX_NAME_LENGTH = 253;

  private static final long MIN_INTERVAL_MILLIS = 100;
  private static final long MAX_INTERVAL_MILLIS = 3_600_000;
  private static final long MIN_TIMEOUT_MILLIS = 10;
  private static final long MAX_TIMEOUT_MILLIS = 30_000;

  /** Past a thousand servers per name a pool is no longer what one entry should describe. */
  static final int MAX_ADDRESSES = 1_024;

  private final List<Problem> problems = new ArrayList<>();

  private DnsChecks() {}

  static List<Problem> check(Config config) {
    DnsChecks checks = new DnsChecks();
    checks.checkDnsBlock(config.dns());
    for (int i = 0; i < config.pools().size(); i++) {
      checks.checkPool(KeyPath.item("pools", i), config.pools().get(i), config);
    }
    return checks.problems;
  }

  private void checkDnsBlock(DnsConfig dns) {
    for (int i = 0; i < dns.servers().size(); i++) {
      checkNameServer(KeyPath.item("dns.servers", i), dns.servers().get(i));
    }
    checkBetween("dns.timeout", dns.timeout(), MIN_TIMEOUT_MILLIS, MAX_TIMEOUT_MILLIS);
    checkBetween(
        "dns.resolve_interval", dns.resolveInterval(), MIN_INTERVAL_MILLIS, MAX_INTERVAL_MILLIS);
    checkBetween(
        "dns.resolve_min_interval",
        dns.resolveMinInterval(),
        MIN_INTERVAL_MILLIS,
        MAX_INTERVAL_MILLIS);
    if (dns.resolveMinInterval().compareTo(dns.resolveInterval()) > 0) {
      report(
          "dns.resolve_min_interval",
          "expected at most resolve_interval ("
              + DurationFormat.format(dns.resolveInterval())
              + "), got "
              + DurationFormat.format(dns.resolveMinInterval()));
    }
    checkMaxAddresses("dns.max_addresses", dns.maxAddresses());
  }

  /** A name server is asked by address: naming it would need DNS to find DNS. */
  private void checkNameServer(String path, String text) {
    Endpoint endpoint;
    try {
      endpoint = Endpoint.parse(text);
    } catch (IllegalArgumentException e) {
      report(path, e.getMessage() + " (expected: the name server's ip:port, such as 10.0.0.2:53)");
      return;
    }
    if (endpoint.kind() != Endpoint.Kind.INET || !BindHostCheck.isIpLiteral(endpoint.host())) {
      report(path, "expected the name server's ip:port, such as 10.0.0.2:53, got '" + text + "'");
    } else if (endpoint.port() == 0) {
      report(path, "'" + text + "' has port 0 (expected: 1 to 65535)");
    }
  }

  private void checkPool(String path, PoolConfig pool, Config config) {
    String serversPath = KeyPath.child(path, "servers");
    Map<String, String> entries = new HashMap<>();
    for (int j = 0; j < pool.servers().size(); j++) {
      String serverPath = KeyPath.item(serversPath, j);
      ServerConfig server = pool.servers().get(j);
      checkKinds(serverPath, server);
      if (server.address() != null) {
        continue;
      }
      if (server.dnsSrv() != null) {
        checkSrvEntry(serverPath, server);
      } else if (server.dns() != null) {
        checkAddressEntry(serverPath, server);
      }
      if (server.resolvesByDns()) {
        String key = server.dnsEntryName().toLowerCase(Locale.ROOT);
        String first = entries.putIfAbsent(key, serverPath);
        if (first != null) {
          report(serverPath, server.dnsEntryName() + " is already resolved by " + first);
        }
        if (config.cluster() != null) {
          report(
              KeyPath.child(serverPath, server.dnsSrv() != null ? "dns_srv" : "dns"),
              "dns servers are not supported with cluster (fleet mode): the fleet shares the"
                  + " servers' limits as they were at start; list the addresses instead");
        }
      }
    }
    if (pool.resolveInterval() != null) {
      checkBetween(
          KeyPath.child(path, "resolve_interval"),
          pool.resolveInterval(),
          MIN_INTERVAL_MILLIS,
          MAX_INTERVAL_MILLIS);
    }
    if (pool.resolveMinInterval() != null) {
      checkBetween(
          KeyPath.child(path, "resolve_min_interval"),
          pool.resolveMinInterval(),
          MIN_INTERVAL_MILLIS,
          MAX_INTERVAL_MILLIS);
    }
    if (pool.resolveInterval() != null || pool.resolveMinInterval() != null) {
      Duration interval = config.dns().resolveInterval(pool);
      Duration min = config.dns().resolveMinInterval(pool);
      if (min.compareTo(interval) > 0) {
        report(
            KeyPath.child(
                path,
                pool.resolveMinInterval() != null ? "resolve_min_interval" : "resolve_interval"),
            "resolve_min_interval ("
                + DurationFormat.format(min)
                + ") must not exceed resolve_interval ("
                + DurationFormat.format(interval)
                + ")");
      }
    }
    if (pool.maxAddresses() != null) {
      checkMaxAddresses(KeyPath.child(path, "max_addresses"), pool.maxAddresses());
    }
  }

  /** One of address, dns and dns_srv; keys that belong to another kind are reported. */
  private void checkKinds(String path, ServerConfig server) {
    if (server.address() != null && server.dns() != null) {
      report(KeyPath.child(path, "dns"), "give one of address, dns and dns_srv");
    }
    if ((server.address() != null || server.dns() != null) && server.dnsSrv() != null) {
      report(KeyPath.child(path, "dns_srv"), "give one of address, dns and dns_srv");
    }
    if (server.address() != null) {
      if (server.port() != null) {
        report(
            KeyPath.child(path, "port"),
            "port applies to dns entries only (an address carries its own port)");
      }
      if (server.family() != null && server.dns() == null && server.dnsSrv() == null) {
        report(KeyPath.child(path, "family"), "family applies to dns and dns_srv entries only");
      }
    }
  }

  private void checkAddressEntry(String path, ServerConfig server) {
    String dnsPath = KeyPath.child(path, "dns");
    checkName(dnsPath, server.dns());
    if (server.port() == null) {
      report(dnsPath, "dns needs a port: {dns: " + server.dns() + ", port: PORT}");
    } else if (server.port() < 1 || server.port() > 65_535) {
      report(KeyPath.child(path, "port"), "expected 1 to 65535, got " + server.port());
    }
  }

  private void checkSrvEntry(String path, ServerConfig server) {
    String name = server.dnsSrv();
    if (name.length() > MAX_NAME_LENGTH + 1 || !SRV_NAME.matcher(name).matches()) {
      report(
          KeyPath.child(path, "dns_srv"),
          "expected an SRV name _service._proto.name, such as _http._tcp.web.service.consul, got '"
              + name
              + "'");
    }
    if (server.port() != null) {
      report(
          KeyPath.child(path, "port"),
          "dns_srv takes each server's port from its SRV record; remove port");
    }
    if (server.weight() != null) {
      report(
          KeyPath.child(path, "weight"),
          "dns_srv takes each server's weight from its SRV record; remove weight");
    }
  }

  private void checkName(String path, String name) {
    if (name.isEmpty()) {
      report(path, "a name is required");
    } else if (BindHostCheck.isIpLiteral(name)) {
      report(path, "'" + name + "' is an IP address: give it as address: ip:port");
    } else if (name.indexOf(':') >= 0) {
      report(path, "expected a name without a port, got '" + name + "' (give the port as port)");
    } else if (name.length() > MAX_NAME_LENGTH + (name.endsWith(".") ? 1 : 0)
        || !NAME.matcher(name).matches()) {
      report(
          path,
          "expected a DNS name (labels of letters, digits and hyphens, such as"
              + " web.default.svc.cluster.local), got '"
              + name
              + "'");
    }
  }

  private void checkMaxAddresses(String path, int value) {
    if (value < 1 || value > MAX_ADDRESSES) {
      report(path, "expected 1 to " + MAX_ADDRESSES + ", got " + value);
    }
  }

  private void checkBetween(String path, Duration duration, long minMillis, long maxMillis) {
    long millis = duration.toMillis();
    if (millis < minMillis || millis > maxMillis) {
      report(
          path,
          "expected "
              + DurationFormat.format(Duration.ofMillis(minMillis))
              + " to "
              + DurationFormat.format(Duration.ofMillis(maxMillis))
              + ", got "
              + DurationFormat.format(duration));
    }
  }

  private void report(String path, String message) {
    problems.add(new Problem(path, message));
  }
}
