package io.sluice.config;

import java.util.ArrayList;
import java.util.List;

/**
 * The checks that apply to {@code udp} listeners, the pools they relay to and the process-wide
 * datagram buffers: what a datagram relay cannot do (unix sockets, PROXY v1, TLS) and the ranges of
 * its limits.
 *
 * <p>Not thread-safe: one instance per validation.
 */
final class UdpChecks {
  /** The smallest budget worth having: a burst of this many datagrams of the largest size. */
  static final int MIN_BUFFERS = 64;

  /** An IPv4 UDP payload is at most 65,507 bytes; 65,535 covers IPv6 as well. */
  private static final long MAX_DATAGRAM = 65_535;

  private static final long MIN_DATAGRAM = 512;

  private final List<Problem> problems = new ArrayList<>();

  /** Pools already checked for a udp listener: each is reported once, for the first. */
  private final java.util.Set<String> checkedPools = new java.util.HashSet<>();

  private UdpChecks() {}

  static List<Problem> check(Config config) {
    UdpChecks checks = new UdpChecks();
    long largestDatagram = 0;
    String largestAt = null;
    for (int i = 0; i < config.listeners().size(); i++) {
      ListenerConfig listener = config.listeners().get(i);
      String path = KeyPath.item("listeners", i);
      if (listener.protocol() != Protocol.UDP) {
        if (listener.udp() != null) {
          checks.report(KeyPath.child(path, "udp"), "udp applies to udp listeners only");
        }
        continue;
      }
      checks.checkListener(path, listener);
      checks.checkPoolServers(listener, config);
      if (listener.udp().maxDatagram().bytes() > largestDatagram) {
        largestDatagram = listener.udp().maxDatagram().bytes();
        largestAt = listener.name();
      }
    }
    if (largestAt != null) {
      checks.checkBuffers(config.udpBuffers(), largestDatagram, largestAt);
    }
    return checks.problems;
  }

  private void checkListener(String path, ListenerConfig listener) {
    for (int i = 0; i < listener.bind().size(); i++) {
      String text = listener.bind().get(i);
      if (text != null && text.startsWith("unix:")) {
        report(
            KeyPath.item(KeyPath.child(path, "bind"), i),
            "a udp listener binds host:port addresses only, got '" + text + "'");
      }
    }
    if (listener.acceptProxy()) {
      report(
          KeyPath.child(path, "accept_proxy"),
          "accept_proxy applies to tcp and tls listeners only (datagrams carry no PROXY header)");
    }
    UdpConfig udp = listener.udp();
    String udpPath = KeyPath.child(path, "udp");
    if (udp.maxFlows() < 1 || udp.maxFlows() > 10_000_000) {
      report(KeyPath.child(udpPath, "max_flows"), "expected 1 to 10000000, got " + udp.maxFlows());
    }
    checkRate(KeyPath.child(udpPath, "flow_rate"), udp.flowRate());
    checkRate(KeyPath.child(udpPath, "server_rate"), udp.serverRate());
    long datagram = udp.maxDatagram().bytes();
    if (datagram < MIN_DATAGRAM || datagram > MAX_DATAGRAM) {
      report(
          KeyPath.child(udpPath, "max_datagram"),
          "expected " + MIN_DATAGRAM + "B to " + MAX_DATAGRAM + "B, got " + datagram + "B");
    }
  }

  private void checkRate(String path, Rate rate) {
    if (rate != null && rate.count() < 1) {
      report(path, "expected at least 1 datagram per period");
    }
  }

  /** Datagrams go to host:port servers, and only PROXY v2 has a datagram form. */
  private void checkPoolServers(ListenerConfig listener, Config config) {
    for (int i = 0; i < config.pools().size(); i++) {
      PoolConfig pool = config.pools().get(i);
      if (pool.name() == null
          || !pool.name().equals(listener.pool())
          || !checkedPools.add(pool.name())) {
        continue;
      }
      String serversPath = KeyPath.child(KeyPath.item("pools", i), "servers");
      for (int j = 0; j < pool.servers().size(); j++) {
        ServerConfig server = pool.servers().get(j);
        String serverPath = KeyPath.item(serversPath, j);
        if (server.address() != null && server.address().startsWith("unix:")) {
          report(
              KeyPath.child(serverPath, "address"),
              "udp listener '"
                  + listener.name()
                  + "' relays to host:port servers only, got '"
                  + server.address()
                  + "'");
        }
        if (server.sendProxy()) {
          report(
              KeyPath.child(serverPath, "send_proxy"),
              "udp listener '"
                  + listener.name()
                  + "' uses this pool: PROXY v1 has no datagram form, use send_proxy_v2");
        }
      }
    }
  }

  private void checkBuffers(UdpBuffersConfig buffers, long largestDatagram, String listener) {
    long count = buffers.budget().bytes() / largestDatagram;
    if (count < MIN_BUFFERS) {
      report(
          "udp_buffers.budget",
          "holds "
              + count
              + " buffers of "
              + largestDatagram
              + " bytes (max_datagram of listener '"
              + listener
              + "'); at least "
              + MIN_BUFFERS
              + " are needed");
    }
    if (buffers.budget().bytes() > (16L << 30)) {
      report("udp_buffers.budget", "expected at most 16GiB, got " + buffers.budget().bytes() + "B");
    }
    if (buffers.reserve().value() > 90) {
      report(
          "udp_buffers.reserve",
          "expected 0% to 90% (new datagrams need some of the budget), got "
              + buffers.reserve().value()
              + "%");
    }
  }

  private void report(String path, String message) {
    problems.add(new Problem(path, message));
  }
}
