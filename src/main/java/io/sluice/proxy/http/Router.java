package io.sluice.proxy.http;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.sluice.config.RouteConfig;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * A listener's routes in order; the first whose every condition holds takes the request, else the
 * default route (the listener's pool), else none (404).
 *
 * <p>Threads: immutable but for each route's in-flight counter.
 */
final class Router {
  private final Route[] routes;
  private final Route fallback;

  Router(List<Route> routes, Route fallback) {
    this.routes = routes.toArray(new Route[0]);
    this.fallback = fallback;
  }

  /**
   * The route of a request, or {@code null}.
   *
   * @param host the request's host, lower case, without port
   * @param path the request's path, without query
   */
  Route route(String host, String path, HttpMethod method, HttpHeaders headers) {
    for (Route route : routes) {
      if (route.matches(host, path, method, headers)) {
        return route;
      }
    }
    return fallback;
  }

  /** One route: its conditions, its upstream, and its tenant budget. */
  static final class Route {
    private final String name;
    private final Upstream upstream;
    private final String[] exactHosts;
    private final String[] hostSuffixes;
    private final String path;
    private final String pathPrefix;
    private final Pattern pathRegex;
    private final String[] methods;
    private final Map<String, String> headers;
    private final int maxConcurrent;
    private final AtomicInteger inFlight = new AtomicInteger();

    Route(String name, Upstream upstream, RouteConfig config) {
      this.name = name;
      this.upstream = upstream;
      this.exactHosts =
          config.hosts().stream()
              .filter(h -> !h.startsWith("*."))
              .map(h -> h.toLowerCase(Locale.ROOT))
              .toArray(String[]::new);
      // "*.example.com" matches "a.example.com" and "a.b.example.com", not "example.com".
      this.hostSuffixes =
          config.hosts().stream()
              .filter(h -> h.startsWith("*."))
              .map(h -> h.substring(1).toLowerCase(Locale.ROOT))
              .toArray(String[]::new);
      this.path = config.path();
      this.pathPrefix = config.pathPrefix();
      this.pathRegex = config.pathRegex() == null ? null : Pattern.compile(config.pathRegex());
      this.methods = config.methods().toArray(new String[0]);
      this.headers = config.headers();
      this.maxConcurrent = config.maxConcurrent() == null ? 0 : config.maxConcurrent();
    }

    /** The default route of a listener: every request, to its pool, without a budget. */
    Route(String name, Upstream upstream) {
      this(name, upstream, new RouteConfig(name, null, null, null, null, null, null, null, null));
    }

    String name() {
      return name;
    }

    Upstream upstream() {
      return upstream;
    }

    boolean matches(
        String host, String requestPath, HttpMethod method, HttpHeaders requestHeaders) {
      if ((exactHosts.length > 0 || hostSuffixes.length > 0) && !hostMatches(host)) {
        return false;
      }
      if (path != null && !path.equals(requestPath)) {
        return false;
      }
      if (pathPrefix != null && !requestPath.startsWith(pathPrefix)) {
        return false;
      }
      if (pathRegex != null && !pathRegex.matcher(requestPath).matches()) {
        return false;
      }
      if (methods.length > 0 && !methodMatches(method)) {
        return false;
      }
      for (Map.Entry<String, String> header : headers.entrySet()) {
        if (!requestHeaders.containsValue(header.getKey(), header.getValue(), false)) {
          return false;
        }
      }
      return true;
    }

    private boolean hostMatches(String host) {
      if (host == null) {
        return false;
      }
      for (String exact : exactHosts) {
        if (exact.equals(host)) {
          return true;
        }
      }
      for (String suffix : hostSuffixes) {
        if (host.length() > suffix.length() && host.endsWith(suffix)) {
          return true;
        }
      }
      return false;
    }

    private boolean methodMatches(HttpMethod method) {
      String requested = method.name();
      for (String allowed : methods) {
        if (allowed.equals(requested)) {
          return true;
        }
      }
      return false;
    }

    /** Takes a place in the route's budget; {@code false} when it is spent. */
    boolean enter() {
      if (maxConcurrent == 0) {
        return true;
      }
      while (true) {
        int now = inFlight.get();
        if (now >= maxConcurrent) {
          return false;
        }
        if (inFlight.compareAndSet(now, now + 1)) {
          return true;
        }
      }
    }

    /** Gives back a place taken by {@link #enter()}. */
    void leave() {
      if (maxConcurrent != 0) {
        inFlight.decrementAndGet();
      }
    }

    int inFlight() {
      return inFlight.get();
    }

    int maxConcurrent() {
      return maxConcurrent;
    }
  }
}
