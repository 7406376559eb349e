package io.sluice.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Pebble, the ACME test CA, on loopback, with {@code pebble-challtestsrv} as its DNS server so that
 * every name resolves to 127.0.0.1: its validation authority then connects to the {@code httpPort}
 * and {@code tlsPort} given, where the Sluice under test listens. Pebble's own HTTPS certificate is
 * made by {@link TestCertificates} for {@code localhost}; {@link #trustCa} is its CA. Validation
 * sleeps, nonce rejections and authorization reuse are turned off so each order validates at once.
 */
public final class PebblePeer implements AutoCloseable {
  private final PeerProcess dns;
  private final PeerProcess pebble;
  private final String pebbleBinary;
  private final int port;
  private final int dnsPort;
  private final Path trustCa;
  private final Path config;

  private PebblePeer(
      PeerProcess dns,
      PeerProcess pebble,
      String pebbleBinary,
      int port,
      int dnsPort,
      Path trustCa,
      Path config) {
    this.dns = dns;
    this.pebble = pebble;
    this.pebbleBinary = pebbleBinary;
    this.port = port;
    this.dnsPort = dnsPort;
    this.trustCa = trustCa;
    this.config = config;
  }

  /**
   * Starts the DNS server and Pebble.
   *
   * @param validitySeconds the lifetime of the certificates Pebble issues
   */
  public static PebblePeer start(int httpPort, int tlsPort, long validitySeconds)
      throws IOException {
    String pebbleBinary = Peers.require("pebble");
    String challtestsrv = Peers.require("pebble-challtestsrv");
    PeerProcess dns = PeerProcess.prepare("challtestsrv");
    PeerProcess pebble = PeerProcess.prepare("pebble");
    int dnsPort = Sockets.freePort();
    int management = Sockets.freePort();
    dns.start(
        List.of(
            challtestsrv,
            "-dns01",
            "127.0.0.1:" + dnsPort,
            "-http01",
            "",
            "-https01",
            "",
            "-tlsalpn01",
            "",
            "-management",
            "127.0.0.1:" + management,
            "-defaultIPv4",
            "127.0.0.1",
            "-defaultIPv6",
            ""),
        management);
    TestCertificates maker = new TestCertificates(pebble.dir());
    TestCertificates.Issued ca = maker.ca("Pebble Front CA");
    TestCertificates.Issued https =
        maker.issue(ca, "localhost", TestCertificates.KeyType.P256, "localhost");
    int port = Sockets.freePort();
    int pebbleManagement = Sockets.freePort();
    Path config = pebble.dir().resolve("pebble-config.json");
    Files.writeString(
        config,
        """
        {"pebble": {
          "listenAddress": "127.0.0.1:%d",
          "managementListenAddress": "127.0.0.1:%d",
          "certificate": "%s",
          "privateKey": "%s",
          "httpPort": %d,
          "tlsPort": %d,
          "ocspResponderURL": "",
          "externalAccountBindingRequired": false,
          "certificateValidityPeriod": %d
        }}
        """
            .formatted(
                port,
                pebbleManagement,
                https.cert(),
                https.key(),
                httpPort,
                tlsPort,
                validitySeconds));
    PebblePeer peer = new PebblePeer(dns, pebble, pebbleBinary, port, dnsPort, ca.cert(), config);
    peer.startPebble();
    return peer;
  }

  private void startPebble() throws IOException {
    pebble.start(
        List.of(
            "env",
            "PEBBLE_VA_NOSLEEP=1",
            "PEBBLE_WFE_NONCEREJECT=0",
            "PEBBLE_AUTHZREUSE=0",
            pebbleBinary,
            "-config",
            config.toString(),
            "-dnsserver",
            "127.0.0.1:" + dnsPort),
        port);
  }

  /** Stops Pebble (an outage of the CA); the DNS server stays. */
  public void stopPebble() {
    pebble.stop();
  }

  public String directory() {
    return "https://localhost:" + port + "/dir";
  }

  /** The CA of Pebble's own HTTPS certificate: {@code trust_ca}. */
  public Path trustCa() {
    return trustCa;
  }

  public String output() throws IOException {
    return pebble.output();
  }

  @Override
  public void close() throws IOException {
    try {
      pebble.close();
    } finally {
      dns.close();
    }
  }
}
