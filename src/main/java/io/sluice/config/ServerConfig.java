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
 */
public record ServerConfig(
    String address,
    Integer weight,
    Integer maxConnections,
    Boolean sendProxy,
    Boolean sendProxyV2,
    AdminState state) {

  public static final int DEFAULT_WEIGHT = 1;

  public ServerConfig {
    weight = weight == null ? DEFAULT_WEIGHT : weight;
    maxConnections = maxConnections == null ? 0 : maxConnections;
    sendProxy = sendProxy != null && sendProxy;
    sendProxyV2 = sendProxyV2 != null && sendProxyV2;
    state = state == null ? AdminState.UP : state;
  }

  /** A server at {@code address} with every other setting at its default. */
  public static ServerConfig at(String address) {
    return new ServerConfig(address, null, null, null, null, null);
  }
}
