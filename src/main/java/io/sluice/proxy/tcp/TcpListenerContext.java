package io.sluice.proxy.tcp;

import io.netty.channel.group.ChannelGroup;
import io.sluice.admission.BufferMemory;
import io.sluice.admission.PipeBudget;
import io.sluice.net.Transport;
import io.sluice.observe.AccessLog;
import io.sluice.pool.Pool;
import java.time.Duration;
import java.util.Map;

/**
 * What every connection of one TCP listener shares: immutable, read once per new connection.
 *
 * @param listener the listener's name, for logs
 * @param pool where connections go
 * @param acceptProxy whether a PROXY header comes first
 * @param proxyHeaderTimeout how long to wait for it
 * @param idleTimeout how long a connection may make no progress either way
 * @param transport the socket implementation, for backend connections
 * @param accessLog where the line for each finished connection goes
 * @param connections every open client connection, so a stop can close what outlives its drain
 * @param stats how this listener's sessions ended, and the bytes they moved
 * @param tls TLS termination for {@code tls} listeners, {@code null} for plain TCP
 * @param sniRoutes pools chosen by the ClientHello's server name, or {@code null}
 * @param serverTls TLS towards the servers of each pool that asks for it; pools absent from the map
 *     are reached over plain TCP
 * @param pipes the process's pipes for splicing, or {@code null} when this listener never splices
 *     ({@code splice: off}, TLS termination, or the NIO transport)
 * @param memory the process's buffer budget: new connections are closed at once while only its
 *     reserve is left
 */
public record TcpListenerContext(
    String listener,
    Pool pool,
    boolean acceptProxy,
    Duration proxyHeaderTimeout,
    Duration idleTimeout,
    Transport transport,
    AccessLog accessLog,
    ChannelGroup connections,
    RelayStats stats,
    ClientTls tls,
    SniRoutes sniRoutes,
    Map<Pool, ServerTls> serverTls,
    PipeBudget pipes,
    BufferMemory memory) {

  public TcpListenerContext {
    serverTls = Map.copyOf(serverTls);
  }
}
