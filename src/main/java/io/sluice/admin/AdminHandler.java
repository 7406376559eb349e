package io.sluice.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.sluice.config.ConfigDocument;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Map;

/**
 * The admin API's routes:
 *
 * <pre>
 * GET  /metrics                                       Prometheus text or OpenMetrics (by Accept)
 * GET  /api/view                                      the live view as JSON
 * GET  /api/config                                    the running configuration, secrets redacted
 * POST /api/pools/{pool}/servers/{server}?state=drain  up | drain | maint
 * POST /api/pools/{pool}/servers/{server}?weight=50    1 to 256
 * GET  /healthz                                       200 while the process runs
 * GET  /readyz                                        200 while it serves traffic, 503 otherwise
 * POST /api/reload                                    re-read the file: 200 applied, 400 refused
 * </pre>
 *
 * With a token configured, every request must carry {@code Authorization: Bearer <token>}.
 */
@Sharable
final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
  private static final ObjectMapper JSON =
      new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

  private final Control control;
  private final PrometheusRegistry registry;
  private final ExpositionFormats formats = ExpositionFormats.init();
  private final byte[] expectedAuthorization;
  private final byte[] dashboard;

  AdminHandler(Control control, PrometheusRegistry registry, String token, byte[] dashboard) {
    this.control = control;
    this.registry = registry;
    this.dashboard = dashboard;
    this.expectedAuthorization =
        token == null ? null : ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
    boolean keepAlive = HttpUtil.isKeepAlive(request);
    if (authorized(request)
        && request.method().equals(HttpMethod.POST)
        && new QueryStringDecoder(request.uri()).path().equals("/api/reload")) {
      // The reload runs on the control thread; the admin loop answers when it is done.
      control
          .reload()
          .whenComplete(
              (result, failure) ->
                  ctx.executor()
                      .execute(() -> respond(ctx, reloadAnswer(result, failure), keepAlive)));
      return;
    }
    FullHttpResponse response;
    if (isDashboard(request)) {
      response = dashboard();
    } else if (!authorized(request)) {
      response = text(HttpResponseStatus.UNAUTHORIZED, "a bearer token is required\n");
    } else {
      response = route(request);
    }
    respond(ctx, response, keepAlive);
  }

  private static FullHttpResponse reloadAnswer(Control.ReloadResult result, Throwable failure) {
    if (failure != null) {
      result = new Control.ReloadResult(false, "failed", List.of(failure.toString()));
    }
    FullHttpResponse response = json(result);
    if (!result.applied()) {
      response.setStatus(HttpResponseStatus.BAD_REQUEST);
    }
    return response;
  }

  private static void respond(
      ChannelHandlerContext ctx, FullHttpResponse response, boolean keepAlive) {
    HttpUtil.setKeepAlive(response, keepAlive);
    HttpUtil.setContentLength(response, response.content().readableBytes());
    if (keepAlive) {
      ctx.writeAndFlush(response);
    } else {
      ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }
  }

  private static boolean isDashboard(FullHttpRequest request) {
    if (!request.method().equals(HttpMethod.GET)) {
      return false;
    }
    String path = new QueryStringDecoder(request.uri()).path();
    return path.equals("/") || path.equals("/index.html");
  }

  private FullHttpResponse dashboard() {
    FullHttpResponse response =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.wrappedBuffer(dashboard));
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/html; charset=utf-8");
    response.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
    // Everything the page needs is inline; it may talk to this listener and nothing else.
    response
        .headers()
        .set(
            "Content-Security-Policy",
            "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline';"
                + " connect-src 'self'; img-src 'self'");
    return response;
  }

  private boolean authorized(FullHttpRequest request) {
    if (expectedAuthorization == null) {
      return true;
    }
    String given = request.headers().get(HttpHeaderNames.AUTHORIZATION);
    return given != null
        && MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), expectedAuthorization);
  }

  private FullHttpResponse route(FullHttpRequest request) {
    QueryStringDecoder uri = new QueryStringDecoder(request.uri());
    String path = uri.path();
    boolean get = request.method().equals(HttpMethod.GET);
    if (get && path.equals("/metrics")) {
      return metrics(request.headers().get(HttpHeaderNames.ACCEPT));
    }
    if (get && path.equals("/api/view")) {
      return json(control.view());
    }
    if (get && path.equals("/api/config")) {
      return runningConfig();
    }
    if (get && path.equals("/healthz")) {
      return text(HttpResponseStatus.OK, "ok\n");
    }
    if (get && path.equals("/readyz")) {
      return control.ready()
          ? text(HttpResponseStatus.OK, "ready\n")
          : text(HttpResponseStatus.SERVICE_UNAVAILABLE, "not ready\n");
    }
    if (request.method().equals(HttpMethod.POST) && path.startsWith("/api/pools/")) {
      return changeServer(path, uri.parameters());
    }
    return text(HttpResponseStatus.NOT_FOUND, "no such admin resource: " + path + "\n");
  }

  /** The configuration in force: its generation, file and load time, then the redacted tree. */
  private FullHttpResponse runningConfig() {
    Control.RunningConfig running = control.runningConfig();
    if (running == null) {
      return text(HttpResponseStatus.SERVICE_UNAVAILABLE, "no configuration applied yet\n");
    }
    ObjectNode answer = JSON.createObjectNode();
    answer.put("generation", running.generation());
    answer.put("file", running.file());
    answer.put("loaded_at", running.loadedAt().toString());
    answer.set("config", ConfigDocument.redacted(running.config()));
    return json(answer);
  }

  private FullHttpResponse changeServer(String path, Map<String, List<String>> parameters) {
    String[] parts = path.split("/");
    // "", "api", "pools", pool, "servers", server
    if (parts.length != 6 || !parts[4].equals("servers")) {
      return text(HttpResponseStatus.NOT_FOUND, "expected /api/pools/{pool}/servers/{server}\n");
    }
    String pool = QueryStringDecoder.decodeComponent(parts[3]);
    String server = QueryStringDecoder.decodeComponent(parts[5]);
    boolean changed;
    if (parameters.containsKey("state")) {
      changed = control.setServerState(pool, server, parameters.get("state").get(0));
    } else if (parameters.containsKey("weight")) {
      try {
        changed =
            control.setServerWeight(
                pool, server, Integer.parseInt(parameters.get("weight").get(0)));
      } catch (NumberFormatException e) {
        return text(HttpResponseStatus.BAD_REQUEST, "weight must be a number from 1 to 256\n");
      }
    } else {
      return text(HttpResponseStatus.BAD_REQUEST, "expected ?state=up|drain|maint or ?weight=N\n");
    }
    return changed
        ? text(HttpResponseStatus.OK, "ok\n")
        : text(
            HttpResponseStatus.NOT_FOUND,
            "no server " + server + " in pool " + pool + ", or a value out of range\n");
  }

  private FullHttpResponse metrics(String accept) {
    ExpositionFormatWriter writer = formats.findWriter(accept);
    ByteBuf body = Unpooled.buffer(16 * 1024);
    try (ByteBufOutputStream out = new ByteBufOutputStream(body)) {
      writer.write(out, registry.scrape());
    } catch (IOException e) {
      body.release();
      return text(HttpResponseStatus.INTERNAL_SERVER_ERROR, "metrics failed: " + e + "\n");
    }
    FullHttpResponse response =
        new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body);
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, writer.getContentType());
    return response;
  }

  private static FullHttpResponse json(Object value) {
    try {
      FullHttpResponse response =
          new DefaultFullHttpResponse(
              HttpVersion.HTTP_1_1,
              HttpResponseStatus.OK,
              Unpooled.wrappedBuffer(JSON.writeValueAsBytes(value)));
      response.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
      return response;
    } catch (JsonProcessingException e) {
      return text(HttpResponseStatus.INTERNAL_SERVER_ERROR, "cannot write JSON: " + e + "\n");
    }
  }

  private static FullHttpResponse text(HttpResponseStatus status, String body) {
    FullHttpResponse response =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1, status, Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
    return response;
  }
}
