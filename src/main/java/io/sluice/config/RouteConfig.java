package io.sluice.config;

import java.util.List;
import java.util.Map;

/**
 * One routing rule of an {@code http}/{@code https} listener; a request takes the first route whose
 * every condition holds, and the listener's {@code pool} when none does.
 *
 * @param name for logs and metrics; defaults to the route's position
 * @param hosts host names, exact ({@code api.example.com}) or wildcard ({@code *.example.com}),
 *     compared without the port and case-insensitively; empty: any host
 * @param path an exact path
 * @param pathPrefix a path prefix
 * @param pathRegex a regular expression matched against the whole path
 * @param methods methods, upper case; empty: any
 * @param headers header names and the exact values they must have
 * @param pool where matching requests go
 * @param maxConcurrent requests of this route in flight at once across the listener; the excess
 *     gets the overload answer, so one tenant cannot take every slot of a shared pool
 */
public record RouteConfig(
    String name,
    List<String> hosts,
    String path,
    String pathPrefix,
    String pathRegex,
    List<String> methods,
    Map<String, String> headers,
    String pool,
    Integer maxConcurrent) {
  public RouteConfig {
    hosts = hosts == null ? List.of() : List.copyOf(hosts);
    methods = methods == null ? List.of() : List.copyOf(methods);
    headers = headers == null ? Map.of() : Map.copyOf(headers);
  }
}
