package io.sluice.config;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;

/**
 * One server of a pool.
 *
 * @param address {@code host:port}, {@code [v6]:port}, {@code unix:/path} or {@code unix:@name}
 * @param weight relative share of new connections, 1 to 256
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

  public ServerConfig(
      String address,
      Integer weight,
      Integer maxConnections,
      Boolean sendProxy,
      Boolean sendProxyV2,
      AdminState state,
      Integer proxyV2CertTlv) {
    this(address, weight, maxConnections, sendProxy, sendProxyV2, state, proxyV2CertTlv, null);
  }

  public ServerConfig {
    weight = weight == null ? DEFAULT_WEIGHT : weight;
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
    return new ServerConfig(address, null, null, null, null, null, null);
  }
}
