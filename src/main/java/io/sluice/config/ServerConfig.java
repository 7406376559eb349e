package io.sluice.config;

import java.util.Locale;

/**
 * One entry of a pool's {@code servers}: a server at a fixed address, or a name whose DNS records
 * give the servers ({@code dns} for A/AAAA records, {@code dns_srv} for SRV records). The other
 * settings apply to every server an entry gives.
 *
 * <p>Once resolved, each address of a DNS entry becomes a server of its own carrying both: {@code
 * address} the resolved {@code ip:port}, {@code dns} the name it was resolved from (for {@code
 * dns_srv} the record's target) and {@code dns_srv} the service. A file cannot say that: validation
 * allows one of the three keys per entry.
 *
 * @param address {@code host:port}, {@code [v6]:port}, {@code unix:/path} or {@code unix:@name}
 * @param dns a host name whose A/AAAA records are the servers' addresses, all on {@code port}
 * @param dnsSrv an SRV name ({@code _service._proto.name}) whose records give each server's target,
 *     port and weight
 * @param port with {@code dns}: the servers' port
 * @param family with {@code dns} or {@code dns_srv}: which address records are asked for; null on a
 *     server at a fixed address
 * @param weight relative share of new connections, 1 to 256; absent on {@code dns_srv} entries,
 *     whose records carry it
 * @param maxConnections connections open at once to this server; 0 means no limit
 * @param sendProxy send a PROXY protocol v1 header carrying the client's address
 * @param sendProxyV2 send a PROXY protocol v2 header carrying the client's address
 * @param state {@code up}, or {@code drain} / {@code maint} to take the server out of rotation
 * @param proxyV2CertTlv with {@code sendProxyV2} behind a TLS listener: the TLV type (one of the
 *     custom types {@code 0xE0} to {@code 0xEF}) that carries the client certificate's DER bytes,
 *     or 0 to leave them out
 */
public record ServerConfig(
    String address,
    String dns,
    String dnsSrv,
    Integer port,
    AddressFamily family,
    Integer weight,
    Integer maxConnections,
    Boolean sendProxy,
    Boolean sendProxyV2,
    AdminState state,
    Integer proxyV2CertTlv) {

  public static final int DEFAULT_WEIGHT = 1;

  /**
   * {@code 0xE0}, the first of the PROXY protocol's custom types (PP2_TYPE_MIN_CUSTOM): the
   * standard SSL TLV carries the subject's CN but no certificate, and a server that verifies the
   * client itself needs all of it.
   */
  public static final int DEFAULT_PROXY_V2_CERT_TLV = 0xE0;

  /** Separates the DNS name from the address in a resolved server's name. */
  public static final char NAME_SEPARATOR = '#';

  public ServerConfig {
    // Left null on an SRV entry, so validation can tell a stray weight from the default.
    if (weight == null && (dnsSrv == null || address != null)) {
      weight = DEFAULT_WEIGHT;
    }
    family = family == null && (dns != null || dnsSrv != null) ? AddressFamily.ANY : family;
    maxConnections = maxConnections == null ? 0 : maxConnections;
    sendProxy = sendProxy != null && sendProxy;
    sendProxyV2 = sendProxyV2 != null && sendProxyV2;
    state = state == null ? AdminState.UP : state;
    proxyV2CertTlv = proxyV2CertTlv == null ? DEFAULT_PROXY_V2_CERT_TLV : proxyV2CertTlv;
  }

  /** A server at {@code address} with every other setting at its default. */
  public static ServerConfig at(String address) {
    return new ServerConfig(address, null, null, null, null, null, null, null, null, null, null);
  }

  /** Whether this entry stands for the servers a DNS name resolves to (not yet resolved). */
  public boolean resolvesByDns() {
    return address == null && (dns != null || dnsSrv != null);
  }

  /**
   * How a DNS entry is named in logs, metrics and the live view: {@code NAME:PORT} for {@code dns},
   * the SRV name for {@code dns_srv}; {@code null} for a server at a fixed address.
   */
  public String dnsEntryName() {
    if (dnsSrv != null) {
      return dnsSrv;
    }
    return dns == null ? null : dns + ":" + port;
  }

  /**
   * The server's name in logs, metrics and the admin API, which also identifies it across reloads:
   * its configured address, or for a resolved server {@code NAME#ip:port} (the {@code dns} or
   * {@code dns_srv} name it came from), so that an address that stays in the records stays the same
   * server.
   */
  public String serverName() {
    if (address == null || (dns == null && dnsSrv == null)) {
      return address;
    }
    return canonical(dnsSrv != null ? dnsSrv : dns) + NAME_SEPARATOR + address;
  }

  /** A DNS name as servers are named after it: lower case, without the root's trailing dot. */
  private static String canonical(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    return lower.length() > 1 && lower.endsWith(".")
        ? lower.substring(0, lower.length() - 1)
        : lower;
  }

  /**
   * One server resolved from this DNS entry.
   *
   * @param resolvedAddress {@code ip:port} ({@code [v6]:port})
   * @param host the name the address was resolved from: this entry's {@code dns}, or an SRV target
   * @param resolvedWeight the weight an SRV record gave; ignored for {@code dns} entries, which
   *     keep the configured one
   */
  public ServerConfig resolved(String resolvedAddress, String host, int resolvedWeight) {
    return new ServerConfig(
        resolvedAddress,
        host,
        dnsSrv,
        null,
        null,
        dnsSrv != null ? Integer.valueOf(resolvedWeight) : weight,
        maxConnections,
        sendProxy,
        sendProxyV2,
        state,
        proxyV2CertTlv);
  }
}
