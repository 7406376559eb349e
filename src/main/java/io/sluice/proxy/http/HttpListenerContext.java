package io.sluice.proxy.http;

import io.netty.channel.group.ChannelGroup;
import io.sluice.admission.BufferMemory;
import io.sluice.config.HttpConfig;
import io.sluice.config.ListenerConfig;
import io.sluice.config.RouteConfig;
import io.sluice.net.Transport;
import io.sluice.observe.AccessLog;
import io.sluice.observe.SpanExporter;
import io.sluice.tls.AcmeChallenges;
import io.sluice.tls.TlsTerminator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What every connection of one HTTP listener shares: immutable, read once per new connection.
 *
 * @param listener the listener's name, for logs
 * @param http limits, timeouts, overload answer and identity settings
 * @param router the listener's routes
 * @param acceptProxy whether a PROXY header comes first
 * @param proxyHeaderTimeout how long to wait for it
 * @param transport the socket implementation
 * @param accessLog where each request's line goes
 * @param connections every open client connection, so a stop can close what outlives its drain
 * @param stats how this listener's requests ended
 * @param tls TLS termination for {@code https} listeners, {@code null} for {@code http}
 * @param answers the prepared local answers
 * @param spans where slow and failed requests' spans go, or {@code null}
 * @param challenges the ACME HTTP-01 tokens the process answers, or {@code null}
 * @param memory the process's buffer budget: new connections and requests are refused while only
 *     its reserve is left
 */
public record HttpListenerContext(
    String listener,
    HttpConfig http,
    Router router,
    boolean acceptProxy,
    Duration proxyHeaderTimeout,
    Transport transport,
    AccessLog accessLog,
    ChannelGroup connections,
    HttpStats stats,
    TlsTerminator tls,
    LocalResponses answers,
    SpanExporter spans,
    AcmeChallenges challenges,
    BufferMemory memory) {

  /**
   * The context of {@code listener}, its routes resolved against {@code upstreams} by pool name.
   */
  public static HttpListenerContext of(
      ListenerConfig listener,
      Map<String, Upstream> upstreams,
      Transport transport,
      AccessLog accessLog,
      ChannelGroup connections,
      HttpStats stats,
      TlsTerminator tls,
      SpanExporter spans,
      AcmeChallenges challenges,
      BufferMemory memory) {
    List<Router.Route> routes = new ArrayList<>();
    for (int i = 0; i < listener.routes().size(); i++) {
      RouteConfig route = listener.routes().get(i);
      String name = route.name() == null ? "route" + (i + 1) : route.name();
      routes.add(new Router.Route(name, upstreams.get(route.pool()), route));
    }
    Router.Route fallback =
        listener.pool() == null
            ? null
            : new Router.Route("default", upstreams.get(listener.pool()));
    HttpConfig http = listener.http();
    return new HttpListenerContext(
        listener.name(),
        http,
        new Router(routes, fallback),
        listener.acceptProxy(),
        listener.timeouts().proxyHeader(),
        transport,
        accessLog,
        connections,
        stats,
        tls,
        new LocalResponses(http.overload().status(), http.overload().retryAfter()),
        spans,
        challenges,
        memory);
  }
}
