package io.sluice.config;

/**
 * One server of a pool.
 *
 * @param address {@code host:port}, {@code [v6]:port}, {@code unix:/path} or {@code unix:@name}
 * @param weight relative share of new connections, 1 to 256
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

  public ServerConfig {
    weight = weight == null ? DEFAULT_WEIGHT : weight;
    maxConnections = maxConnections == null ? 0 : maxConnections;
    sendProxy = sendProxy != null && sendProxy;
    sendProxyV2 = sendProxyV2 != null && sendProxyV2;
    state = state == null ? AdminState.UP : state;
    proxyV2CertTlv = proxyV2CertTlv == null ? DEFAULT_PROXY_V2_CERT_TLV : proxyV2CertTlv;
  }

  /** A server at {@code address} with every other setting at its default. */
  public static ServerConfig at(String address) {
    return new ServerConfig(address, null, null, null, null, null, null);
  }
}
