package io.sluice.config;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
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
 * @param maxConnections connections open at once to this server; 0 means no limit; {@code adaptive}
 *     ({@link #ADAPTIVE}) learns the limit from the server's latency
 * @param adaptive the bounds of a learned limit; ignored unless {@code max_connections: adaptive}
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
    @JsonDeserialize(using = MaxConnectionsDeserializer.class) Integer maxConnections,
    Boolean sendProxy,
    Boolean sendProxyV2,
    AdminState state,
    Integer proxyV2CertTlv,
    AdaptiveConfig adaptive) {

  public static final int DEFAULT_WEIGHT = 1;

  /**
   * {@code 0xE0}, the first of the PROXY protocol's custom types (PP2_TYPE_MIN_CUSTOM): the
   * standard SSL TLV carries the subject's CN but no certificate, and a server that verifies the
   * client itself needs all of it.
   */
  public static final int DEFAULT_PROXY_V2_CERT_TLV = 0xE0;

  /**
   * {@code max_connections: adaptive}: a value no written number binds to (the reader turns a
   * written one into an error), so {@code -1} stays a plain bad limit.
   */
  public static final int ADAPTIVE = Integer.MIN_VALUE;

  /** Separates the DNS name from the address in a resolved server's name. */
  public static final char NAME_SEPARATOR = '#';

  /** Every setting but a learned limit's bounds, which take their defaults. */
  public ServerConfig(
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
    this(
        address,
        dns,
        dnsSrv,
        port,
        family,
        weight,
        maxConnections,
        sendProxy,
        sendProxyV2,
        state,
        proxyV2CertTlv,
        null);
  }

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
    adaptive = adaptive == null ? AdaptiveConfig.DEFAULT : adaptive;
  }

  /** Whether the limit is learned ({@code max_connections: adaptive}). */
  public boolean adaptiveLimit() {
    return maxConnections == ADAPTIVE;
  }

  /**
   * The bounds of a learned limit.
   *
   * @param min the limit never goes below it, however slow the server gets
   * @param max the limit never goes above it, however fast the server is
   * @param initial where the limit starts before any round trip was measured
   */
  public record AdaptiveConfig(Integer min, Integer max, Integer initial) {
    /** 1: a server that only gets slower must still be reachable, one request at a time. */
    public static final int DEFAULT_MIN = 1;

    /** 1,000: far above what one server is worth here; the learning decides. */
    public static final int DEFAULT_MAX = 1_000;

    /** 20, as concurrency-limits starts: room for a burst while the first samples arrive. */
    public static final int DEFAULT_INITIAL = 20;

    public static final AdaptiveConfig DEFAULT = new AdaptiveConfig(null, null, null);

    public AdaptiveConfig {
      min = min == null ? DEFAULT_MIN : min;
      max = max == null ? DEFAULT_MAX : max;
      initial = initial == null ? Math.max(min, Math.min(max, DEFAULT_INITIAL)) : initial;
    }
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
        proxyV2CertTlv,
        adaptive);
  }
}
