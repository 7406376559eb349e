package io.sluice.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.sluice.config.DurationRange;
import io.sluice.pool.DrainRate;
import io.sluice.pool.Pool;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The answers Sluice gives itself (overload, errors), encoded once at start: answering a refused
 * request in a storm costs a buffer duplicate and a write, nothing else.
 *
 * <p>The overload answer's {@code Retry-After} is drawn per answer from the configured range, so a
 * refused crowd spreads out instead of returning in the same second; up to {@link #VARIANTS}
 * distinct values are prepared across the range.
 *
 * <p>Threads: immutable after construction.
 */
final class LocalResponses {
  static final int VARIANTS = 128;

  private static final int[] STATUSES = {400, 403, 404, 408, 413, 414, 431, 501, 502, 503, 504};

  private final int overloadStatus;
  private final int[] retryAfterSeconds;
  private final ByteBuf[] overloadH1;
  private final Map<Integer, ByteBuf> h1 = new HashMap<>();

  LocalResponses(int overloadStatus, DurationRange retryAfter) {
    this.overloadStatus = overloadStatus;
    long min = retryAfter.min().toSeconds();
    long max = Math.max(min, retryAfter.max().toSeconds());
    int variants = (int) Math.min(VARIANTS, max - min + 1);
    this.retryAfterSeconds = new int[variants];
    this.overloadH1 = new ByteBuf[variants];
    for (int i = 0; i < variants; i++) {
      long seconds = variants == 1 ? min : min + (max - min) * i / (variants - 1);
      retryAfterSeconds[i] = (int) seconds;
      overloadH1[i] = encode(overloadStatus, (int) seconds);
    }
    for (int status : STATUSES) {
      h1.put(status, encode(status, -1));
    }
  }

  int overloadStatus() {
    return overloadStatus;
  }

  /** A {@code Retry-After} value for one overload answer, uniform over the range. */
  int drawRetryAfter() {
    return retryAfterSeconds[ThreadLocalRandom.current().nextInt(retryAfterSeconds.length)];
  }

  /**
   * A {@code Retry-After} for one overload answer from the pool's measured drain rate: when a slot
   * would be free for this client if the {@code queued} waiters and the clients refused before it
   * in the same second all came back, plus up to a second of jitter, within the configured range.
   * Without a measurement, uniform over the range.
   */
  int retryAfter(DrainRate drain, int queued, Pool pool) {
    double perSecond = drain.perSecond();
    if (perSecond <= 0) {
      return drawRetryAfter();
    }
    int ahead = queued + pool.refusalsBeforeThisOne() + 1;
    double seconds = ahead / perSecond + ThreadLocalRandom.current().nextDouble();
    return nearestPrepared(seconds);
  }

  /** The prepared value nearest to {@code seconds}: the range's ends for anything beyond them. */
  int nearestPrepared(double seconds) {
    int first = retryAfterSeconds[0];
    int last = retryAfterSeconds[retryAfterSeconds.length - 1];
    if (seconds <= first || last == first) {
      return first;
    }
    if (seconds >= last) {
      return last;
    }
    int index =
        (int) Math.round((seconds - first) / (last - first) * (retryAfterSeconds.length - 1));
    return retryAfterSeconds[index];
  }

  /** The HTTP/1.1 overload answer with {@code retryAfter}, ready to write, closing. */
  ByteBuf overloadH1(int retryAfter) {
    for (int i = 0; i < retryAfterSeconds.length; i++) {
      if (retryAfterSeconds[i] == retryAfter) {
        return overloadH1[i].duplicate();
      }
    }
    throw new IllegalArgumentException("not a prepared Retry-After: " + retryAfter);
  }

  /** The HTTP/1.1 answer with {@code status}, ready to write, closing. */
  ByteBuf h1(int status) {
    ByteBuf encoded = h1.get(status);
    if (encoded == null) {
      throw new IllegalArgumentException("no prepared answer for " + status);
    }
    return encoded.duplicate();
  }

  /** The answer as a message, for HTTP/2 streams; {@code retryAfter} -1 for none. */
  static FullHttpResponse message(int status, int retryAfter) {
    byte[] body = body(status);
    FullHttpResponse response =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status), Unpooled.wrappedBuffer(body));
    response
        .headers()
        .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN)
        .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE)
        .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
    if (retryAfter >= 0) {
      response.headers().setInt(HttpHeaderNames.RETRY_AFTER, retryAfter);
    }
    return response;
  }

  private static ByteBuf encode(int status, int retryAfter) {
    byte[] body = body(status);
    StringBuilder head =
        new StringBuilder(160)
            .append("HTTP/1.1 ")
            .append(HttpResponseStatus.valueOf(status))
            .append("\r\ncontent-type: text/plain\r\ncache-control: no-store\r\n");
    if (retryAfter >= 0) {
      head.append("retry-after: ").append(retryAfter).append("\r\n");
    }
    head.append("content-length: ").append(body.length).append("\r\nconnection: close\r\n\r\n");
    byte[] headBytes = head.toString().getBytes(StandardCharsets.US_ASCII);
    // Direct (written to sockets without a copy) and outside any allocator: it lives as long as
    // the listener, and the leak detector has nothing to track.
    java.nio.ByteBuffer bytes = java.nio.ByteBuffer.allocateDirect(headBytes.length + body.length);
    bytes.put(headBytes).put(body).flip();
    return Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(bytes).asReadOnly());
  }

  private static byte[] body(int status) {
    return (HttpResponseStatus.valueOf(status) + "\n").getBytes(StandardCharsets.US_ASCII);
  }
}
