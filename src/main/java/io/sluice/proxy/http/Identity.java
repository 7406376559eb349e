package io.sluice.proxy.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.sluice.config.HttpConfig;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Rewrites a request's head for the server: hop-by-hop headers out, the headers Sluice vouches for
 * (client address, scheme, host, client certificate) replaced by its own, a request id and a trace
 * context added when absent.
 */
final class Identity {
  static final String X_SSL_CERT = "x-ssl-cert";
  static final String X_FORWARDED_TLS_CLIENT_CERT = "x-forwarded-tls-client-cert";
  static final String X_SSL_CLIENT_SHA256 = "x-ssl-client-sha256";
  static final String TRACEPARENT = "traceparent";
  static final String X_FORWARDED_FOR = "x-forwarded-for";
  static final String X_FORWARDED_PROTO = "x-forwarded-proto";
  static final String X_FORWARDED_HOST = "x-forwarded-host";
  static final String FORWARDED = "forwarded";

  /**
   * nginx's realip module and many applications read the client's address here; Sluice never sets
   * it, so while Sluice says who the client is, a client's own copy would contradict that.
   */
  static final String X_REAL_IP = "x-real-ip";

  private static final String[] HOP_BY_HOP = {
    "connection", "keep-alive", "proxy-connection", "te", "upgrade", "proxy-authenticate"
  };

  /** HTTP/2's pseudo-header stand-ins ({@code x-http2-scheme}...), never forwarded. */
  private static final String[] EXTENSION_HEADERS =
      java.util.Arrays.stream(HttpConversionUtil.ExtensionHeaderNames.values())
          .map(name -> name.text().toString())
          .toArray(String[]::new);

  private Identity() {}

  /**
   * Prepares {@code request} for a server.
   *
   * @param host the request's host as routed, or {@code null}
   * @param tunnel whether the request asks for a WebSocket upgrade, whose headers stay
   */
  static void prepare(
      HttpRequest request, HttpConfig http, ClientConnection client, String host, boolean tunnel) {
    HttpHeaders headers = request.headers();
    removeHopByHop(headers);
    if (request.protocolVersion().minorVersion() == 0 && !headers.contains(HttpHeaderNames.HOST)) {
      // HTTP/1.0 may leave Host out; servers get HTTP/1.1, which requires it, and empty when the
      // target names no host (RFC 9112 section 3.2): strict servers refuse a request without.
      headers.set(HttpHeaderNames.HOST, "");
    }
    if (tunnel) {
      headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
      headers.set(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET);
    }
    for (String extension : EXTENSION_HEADERS) {
      headers.remove(extension);
    }
    headers.remove(X_SSL_CERT);
    headers.remove(X_FORWARDED_TLS_CLIENT_CERT);
    headers.remove(X_SSL_CLIENT_SHA256);
    HttpConfig.Forwarded forwarded = http.forwarded();
    String proto = client.https() ? "https" : "http";
    switch (forwarded.xForwardedFor()) {
      case APPEND -> {
        List<String> chain = headers.getAll(X_FORWARDED_FOR);
        if (chain.isEmpty()) {
          headers.set(X_FORWARDED_FOR, client.ip());
        } else {
          headers.set(X_FORWARDED_FOR, String.join(", ", chain) + ", " + client.ip());
        }
      }
      case REPLACE -> headers.set(X_FORWARDED_FOR, client.ip());
      case OFF -> {}
    }
    if (forwarded.vouchesForClientAddress()) {
      headers.remove(X_REAL_IP);
    }
    if (forwarded.xForwardedProto()) {
      headers.set(X_FORWARDED_PROTO, proto);
    } else {
      headers.remove(X_FORWARDED_PROTO);
    }
    if (forwarded.xForwardedHost()) {
      if (host != null) {
        headers.set(X_FORWARDED_HOST, host);
      } else {
        headers.remove(X_FORWARDED_HOST);
      }
    }
    if (forwarded.rfc7239()) {
      String element = forwardedElement(client, proto, host);
      List<String> previous = headers.getAll(FORWARDED);
      headers.set(
          FORWARDED, previous.isEmpty() ? element : String.join(", ", previous) + ", " + element);
    }
    if (!forwarded.keepClientRequestId() || !headers.contains(forwarded.requestId())) {
      headers.set(forwarded.requestId(), randomHex(16));
    }
    if (forwarded.traceparent()) {
      // Sluice's hop is a span of its own: the trace goes on, the server's parent is Sluice.
      String trace = headers.get(TRACEPARENT);
      if (trace == null || !validTraceparent(trace)) {
        headers.set(TRACEPARENT, "00-" + randomHex(32) + "-" + randomHex(16) + "-01");
      } else {
        headers.set(TRACEPARENT, trace.substring(0, 36) + randomHex(16) + trace.substring(52));
      }
    }
    if (client.certificate() != null) {
      for (HttpConfig.ClientCertHeader header : http.clientCertHeaders()) {
        switch (header) {
          case X_SSL_CERT -> headers.set(X_SSL_CERT, client.escapedPem());
          case X_FORWARDED_TLS_CLIENT_CERT ->
              headers.set(X_FORWARDED_TLS_CLIENT_CERT, client.escapedDer());
          case SHA256 -> headers.set(X_SSL_CLIENT_SHA256, client.sha256());
        }
      }
    }
  }

  /** Removes the connection-specific headers, and those the Connection header names. */
  static void removeHopByHop(HttpHeaders headers) {
    for (String listed : headers.getAll(HttpHeaderNames.CONNECTION)) {
      for (String name : listed.split(",")) {
        String trimmed = name.strip();
        if (!trimmed.isEmpty()) {
          headers.remove(trimmed);
        }
      }
    }
    for (String name : HOP_BY_HOP) {
      headers.remove(name);
    }
  }

  private static String forwardedElement(ClientConnection client, String proto, String host) {
    String ip = client.ip();
    String node = ip.indexOf(':') >= 0 ? "\"[" + ip + "]\"" : ip;
    StringBuilder element = new StringBuilder("for=").append(node).append(";proto=").append(proto);
    if (host != null) {
      element.append(";host=\"").append(host).append('"');
    }
    return element.toString();
  }

  /** W3C Trace Context: {@code 00-<32 hex>-<16 hex>-<2 hex>}, ids not all zero. */
  static boolean validTraceparent(String value) {
    if (value.length() != 55
        || value.charAt(2) != '-'
        || value.charAt(35) != '-'
        || value.charAt(52) != '-'
        || value.startsWith("ff")) {
      return false;
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (i != 2 && i != 35 && i != 52 && !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        return false;
      }
    }
    return !value.regionMatches(3, "00000000000000000000000000000000", 0, 32)
        && !value.regionMatches(36, "0000000000000000", 0, 16);
  }

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  /** {@code digits} random hex digits, a multiple of 16. */
  static String randomHex(int digits) {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    char[] out = new char[digits];
    for (int i = 0; i < digits; i += 16) {
      long bits = random.nextLong();
      for (int j = 0; j < 16; j++) {
        out[i + j] = HEX[(int) (bits >>> (j * 4)) & 0xF];
      }
    }
    return new String(out);
  }
}
