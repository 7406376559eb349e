package io.sluice.proxy.http;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.sluice.tls.AcmeChallenges;
import java.nio.charset.StandardCharsets;

/**
 * Answers an ACME CA's HTTP-01 validation (RFC 8555 section 8.3), {@code GET
 * /.well-known/acme-challenge/TOKEN}, before any route is chosen, while one of Sluice's own orders
 * waits for that token. Any other request under that path goes on to the routes, so a server behind
 * Sluice can run its own ACME client.
 *
 * <p>Threads: event loops; reads the process's concurrent challenge table.
 */
final class AcmeHttpChallenge {
  static final String PATH = "/.well-known/acme-challenge/";

  private AcmeHttpChallenge() {}

  /** Whether {@code request} was a pending challenge, now answered on {@code frontend}. */
  static boolean answer(HttpFrontend frontend, HttpRequest request) {
    AcmeChallenges challenges = frontend.context().challenges();
    String uri = request.uri();
    if (challenges == null || request.method() != HttpMethod.GET || !uri.startsWith(PATH)) {
      return false;
    }
    int end = uri.indexOf('?');
    String token = uri.substring(PATH.length(), end < 0 ? uri.length() : end);
    String keyAuthorization = challenges.http01(token);
    if (keyAuthorization == null) {
      return false;
    }
    byte[] body = keyAuthorization.getBytes(StandardCharsets.US_ASCII);
    FullHttpResponse response =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.wrappedBuffer(body));
    response
        .headers()
        .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_OCTET_STREAM)
        .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE)
        .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
    frontend.answer(response);
    return true;
  }
}
