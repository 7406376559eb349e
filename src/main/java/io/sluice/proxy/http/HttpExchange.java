package io.sluice.proxy.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;
import io.sluice.observe.HttpRecord;
import io.sluice.observe.Span;
import io.sluice.observe.TerminationState;
import io.sluice.pool.Assignment;
import io.sluice.pool.Pool;
import io.sluice.pool.Server;
import io.sluice.pool.Waiter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * One request from its head to the last byte of its response: route, a slot on a server (or the
 * queue, or the overload answer), a keep-alive connection, the request relayed, the response
 * relayed back, and its log line.
 *
 * <p>A request is replayed on another server when the connect fails, when the server closes before
 * any response byte (idempotent requests, or all with {@code non_idempotent}), or when the server
 * answers that it is full, as long as its body is still held (up to {@code retry.max_body}) and the
 * pool's attempts and retry budget allow.
 *
 * <p>Threads: the client's event loop, which also runs the server connection. Only {@link #offer}
 * is called from other loops (a slot freed there), and it hands over through {@link #waiting}.
 * Invariants: the server slot is released exactly once; {@link #end} runs once.
 */
final class HttpExchange implements Waiter, Runnable {
  static final String NO_SERVER = "<NOSRV>";

  private static final AtomicIntegerFieldUpdater<HttpExchange> WAITING =
      AtomicIntegerFieldUpdater.newUpdater(HttpExchange.class, "waiting");

  private final HttpFrontend frontend;
  private final HttpListenerContext context;
  private final ClientConnection client;
  private final HttpRequest request;
  private final HttpMethod method;
  private final String uri;
  private final HttpVersion version;
  private final long startMillis;
  private final long startNanos;
  private final long headNanos = System.nanoTime();
  private final boolean clientWantsKeepAlive;
  private final boolean idempotent;

  private Router.Route route;
  private Upstream upstream;
  private Pool pool;
  private Server target;
  private Server server;
  private BackendHandler backend;
  private long tried;
  private int retries;
  private boolean tunnel;

  /** The request body read so far, kept for a replay while it fits {@code max_body}. */
  private final List<HttpContent> kept = new ArrayList<>(2);

  private long keptBytes;
  private boolean replayable = true;
  private boolean requestComplete;
  private boolean requestSent;

  private volatile int waiting;
  private long queuedAtNanos = -1;
  private long queueMillis = -1;
  private long connectStartNanos;
  private long connectMillis = -1;
  private long sentNanos;

  /** When the first byte of the request body went to the current server, -1 before. */
  private long requestBodyStartNanos = -1;

  /** When the first byte of the response body came from the server, -1 before. */
  private long responseBodyStartNanos = -1;

  private long responseMillis = -1;
  private boolean responseStarted;

  /** The response waits on the client, whose write buffer is full (see the send timeout). */
  private boolean awaitingClient;

  private boolean serverKeepAlive;
  private boolean clientKeepAlive;
  private int status = -1;
  private long bytesToClient;

  /** For spans: the client's span id (or null), the traceparent sent on, the phases' times. */
  private String clientSpanId;

  private String traceparent;
  private long attachedNanos = -1;
  private long responseHeadNanos = -1;
  private ScheduledFuture<?> timer;
  private boolean ended;

  HttpExchange(HttpFrontend frontend, HttpRequest request, long startMillis, long startNanos) {
    this.frontend = frontend;
    this.context = frontend.context();
    this.client = frontend.client();
    this.startMillis = startMillis;
    this.startNanos = startNanos;
    this.method = request.method();
    this.uri = request.uri();
    this.version = request.protocolVersion();
    this.clientWantsKeepAlive = frontend.isStream() || HttpUtil.isKeepAlive(request);
    this.idempotent = isIdempotent(request.method());
    if (request instanceof FullHttpRequest full) {
      // HTTP/2 requests without a body, or whole: the head alone, the body kept apart.
      this.request =
          new DefaultHttpRequest(full.protocolVersion(), full.method(), full.uri(), full.headers());
      keep(new DefaultLastHttpContent(full.content().retain(), full.trailingHeaders()));
      full.release();
      requestComplete = true;
    } else {
      this.request = request;
      // No body: complete at its head. The decoder's empty last piece is skipped when it comes.
      requestComplete =
          !frontend.isStream()
              && !HttpUtil.isTransferEncodingChunked(request)
              && HttpUtil.getContentLength(request, 0L) == 0;
    }
  }

  static String requestLine(HttpMethod method, String uri, HttpVersion version, boolean h2) {
    return method.name() + ' ' + uri + ' ' + (h2 ? "HTTP/2.0" : version.text());
  }

  private static boolean isIdempotent(HttpMethod method) {
    return method == HttpMethod.GET
        || method == HttpMethod.HEAD
        || method == HttpMethod.OPTIONS
        || method == HttpMethod.PUT
        || method == HttpMethod.DELETE
        || method == HttpMethod.TRACE;
  }

  /** Routes the request and takes it to a server, or answers it at once. */
  void begin() {
    String host = host();
    String path = path(request.uri());
    route = context.router().route(host, path, request.method(), request.headers());
    if (route == null) {
      localAnswer(404, TerminationState.LOCAL_ANSWER_DURING_REQUEST);
      return;
    }
    upstream = route.upstream();
    pool = upstream.pool();
    String targetHeader = context.http().targetHeader();
    if (targetHeader != null) {
      String named = request.headers().get(targetHeader);
      request.headers().remove(targetHeader);
      if (named != null) {
        target = findServer(named.strip());
        if (target == null || target.state() != io.sluice.pool.ServerState.UP) {
          // Named but absent or not up: a clear refusal, never another server instead.
          localAnswer(503, TerminationState.LOCAL_ANSWER_DURING_REQUEST);
          return;
        }
      }
    }
    if (!route.enter()) {
      route = null;
      overload(TerminationState.RESOURCE_LIMIT_DURING_QUEUE);
      return;
    }
    tunnel = !frontend.isStream() && isWebSocketUpgrade(request);
    if (context.spans() != null) {
      String incoming = request.headers().get(Identity.TRACEPARENT);
      clientSpanId =
          incoming != null && Identity.validTraceparent(incoming)
              ? incoming.substring(36, 52)
              : null;
    }
    Identity.prepare(request, context.http(), client, host, tunnel);
    if (context.spans() != null) {
      traceparent = request.headers().get(Identity.TRACEPARENT);
    }
    request.setProtocolVersion(HttpVersion.HTTP_1_1);
    if (frontend.isStream()
        && !requestComplete
        && !HttpUtil.isContentLengthSet(request)
        && !HttpUtil.isTransferEncodingChunked(request)) {
      HttpUtil.setTransferEncodingChunked(request, true);
    }
    pool.retryBudget().recordRequest();
    acquire(null);
  }

  private Server findServer(String name) {
    for (Server candidate : pool.servers()) {
      if (candidate.name().equals(name)) {
        return candidate;
      }
    }
    return null;
  }

  private String host() {
    String host = request.headers().get(HttpHeaderNames.HOST);
    String uri = request.uri();
    if (uri.startsWith("http://") || uri.startsWith("https://")) {
      int start = uri.indexOf("//") + 2;
      int end = uri.indexOf('/', start);
      host = end < 0 ? uri.substring(start) : uri.substring(start, end);
    }
    if (host == null) {
      return null;
    }
    int colon = host.lastIndexOf(':');
    if (colon > 0 && host.indexOf(']') < colon) {
      host = host.substring(0, colon);
    }
    return host.toLowerCase(Locale.ROOT);
  }

  private static String path(String uri) {
    if (uri.startsWith("http://") || uri.startsWith("https://")) {
      int slash = uri.indexOf('/', uri.indexOf("//") + 2);
      uri = slash < 0 ? "/" : uri.substring(slash);
    }
    int query = uri.indexOf('?');
    return query < 0 ? uri : uri.substring(0, query);
  }

  private static boolean isWebSocketUpgrade(HttpRequest request) {
    return request
            .headers()
            .containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)
        && request.headers().contains(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true);
  }

  // ---- server slot -------------------------------------------------------------------------

  private void acquire(Server avoid) {
    Server chosen;
    if (target != null) {
      chosen = target.tryTake() ? target : null;
      if (chosen == null) {
        overload(TerminationState.RESOURCE_LIMIT_DURING_QUEUE);
        return;
      }
    } else {
      chosen = pool.acquire(client.hash(), avoid, tried);
    }
    if (chosen != null) {
      queueMillis = Math.max(queueMillis, 0);
      chosen.stats().queueWait(0);
      connect(chosen);
      return;
    }
    queuedAtNanos = System.nanoTime();
    waiting = 1;
    Assignment assignment = pool.enqueue(this);
    if (assignment != Assignment.QUEUED) {
      waiting = 0;
    }
    switch (assignment) {
      case QUEUED ->
          timer =
              frontend
                  .channel()
                  .eventLoop()
                  .schedule(this, pool.queueTimeoutNanos(), TimeUnit.NANOSECONDS);
      case FULL -> overload(TerminationState.RESOURCE_LIMIT_DURING_QUEUE);
      case NO_SERVER -> localAnswer(503, TerminationState.SERVER_REFUSED_DURING_CONNECT);
    }
  }

  /** A slot freed on another thread, offered while this request waits in the queue. */
  @Override
  public boolean offer(Server slot) {
    if (!WAITING.compareAndSet(this, 1, 0)) {
      return false;
    }
    frontend.channel().eventLoop().execute(() -> assigned(slot));
    return true;
  }

  private void assigned(Server slot) {
    long waited = System.nanoTime() - queuedAtNanos;
    queueMillis = TimeUnit.NANOSECONDS.toMillis(waited);
    cancelTimer();
    if (ended) {
      pool.release(slot);
    } else {
      slot.stats().queueWait(waited);
      connect(slot);
    }
  }

  /** The queue timeout, or the response timeout, passed. */
  @Override
  public void run() {
    timer = null;
    if (ended) {
      return;
    }
    if (server == null) {
      if (WAITING.compareAndSet(this, 1, 0)) {
        pool.queue().remove(this);
        queueMillis = HttpFrontend.millisSince(queuedAtNanos);
        overload(TerminationState.SERVER_TIMEOUT_DURING_QUEUE);
      }
      return;
    }
    if (!requestComplete) {
      // The client stopped sending its body: its fault, not the server's.
      closeBackend();
      if (responseStarted) {
        frontend.abort();
        end(TerminationState.CLIENT_TIMEOUT_DURING_DATA);
      } else {
        localAnswer(408, TerminationState.CLIENT_TIMEOUT_DURING_DATA);
      }
      return;
    }
    if (awaitingClient) {
      // The client asked and does not read: its write buffer stayed full for the send timeout.
      closeBackend();
      frontend.abort();
      end(TerminationState.CLIENT_TIMEOUT_DURING_DATA);
      return;
    }
    server.recordFailure();
    closeBackend();
    if (!responseStarted) {
      answerError(504, TerminationState.SERVER_TIMEOUT_DURING_HEADERS);
    } else {
      frontend.abort();
      end(TerminationState.SERVER_TIMEOUT_DURING_DATA);
    }
  }

  // ---- server connection -------------------------------------------------------------------

  private void connect(Server chosen) {
    server = chosen;
    connectStartNanos = System.nanoTime();
    if (upstream.speaksH2(frontend.isStream())) {
      connectH2(chosen);
      return;
    }
    BackendHandler idle = upstream.connections().takeIdle(chosen);
    if (idle != null) {
      connectMillis = 0;
      attach(idle);
      return;
    }
    ChannelFuture connecting =
        upstream.connections().connect(chosen, frontend.channel().eventLoop());
    Server attempt = chosen;
    connecting.addListener(
        (ChannelFutureListener)
            future -> {
              if (ended || server != attempt) {
                future.channel().close();
                return;
              }
              if (!future.isSuccess()) {
                connectFailed(future.cause());
                return;
              }
              long took = System.nanoTime() - connectStartNanos;
              connectMillis = TimeUnit.NANOSECONDS.toMillis(took);
              server.recordLatency(took);
              server.stats().connect(took);
              context.transport().configureRelaySocket(future.channel());
              attach(future.channel().pipeline().get(BackendHandler.class));
            });
  }

  /** A stream on this loop's HTTP/2 connection to {@code chosen}, connecting it if needed. */
  private void connectH2(Server chosen) {
    io.netty.util.concurrent.Promise<BackendHandler> opened =
        frontend.channel().eventLoop().newPromise();
    opened.addListener(
        f -> {
          BackendHandler stream = opened.getNow();
          if (ended || server != chosen) {
            if (stream != null) {
              stream.channel().close();
            }
            return;
          }
          if (stream == null) {
            connectFailed(opened.cause());
            return;
          }
          connectMillis = HttpFrontend.millisSince(connectStartNanos);
          attach(stream);
        });
    upstream.h2().openStream(chosen, frontend.channel().eventLoop(), opened);
  }

  private void connectFailed(Throwable cause) {
    TerminationState failure =
        cause instanceof ConnectTimeoutException
            ? TerminationState.SERVER_TIMEOUT_DURING_CONNECT
            : TerminationState.SERVER_REFUSED_DURING_CONNECT;
    server.recordFailure();
    if (!retry(false)) {
      answerError(503, failure);
    }
  }

  private void attach(BackendHandler connection) {
    backend = connection;
    attachedNanos = System.nanoTime();
    connection.attach(this);
    Channel channel = connection.channel();
    channel.write(request, channel.voidPromise());
    requestBodyStartNanos = holdsBodyBytes() ? System.nanoTime() : -1;
    for (HttpContent piece : kept) {
      channel.write(piece.retainedDuplicate(), channel.voidPromise());
    }
    if (requestComplete && kept.isEmpty()) {
      // A request without a body still ends its message, or the encoder stays mid-request.
      channel.write(LastHttpContent.EMPTY_LAST_CONTENT, channel.voidPromise());
    }
    if (!replayable) {
      // Pieces that outgrew max_body while the request waited: sent once, then forgotten.
      releaseKept();
    }
    channel.flush();
    sentNanos = System.nanoTime();
    requestSent = requestComplete;
    if (requestComplete && requestBodyStartNanos >= 0) {
      server.stats().requestBody(sentNanos - requestBodyStartNanos);
    }
    armTimer(
        requestComplete
            ? upstream.responseTimeout().toNanos()
            : context.http().timeouts().body().toNanos());
    if (!requestComplete && channel.isWritable()) {
      frontend.readBody();
    }
  }

  /** A piece of the request body from the client. */
  void requestContent(HttpContent content) {
    if (ended || requestComplete) {
      content.release();
      return;
    }
    if (!content.decoderResult().isSuccess()) {
      content.release();
      malformedBody();
      return;
    }
    boolean last = content instanceof LastHttpContent;
    requestComplete = last;
    if (replayable) {
      if (keptBytes + content.content().readableBytes() <= upstream.maxReplayBody()) {
        keep(content.retain());
      } else {
        replayable = false;
      }
    }
    if (backend == null) {
      // Still queued or connecting: hold it; no more is read until the server is there.
      if (!replayable) {
        kept.add(content);
      } else {
        content.release();
      }
      return;
    }
    Channel channel = backend.channel();
    if (!replayable) {
      releaseKept();
    }
    if (requestBodyStartNanos < 0 && content.content().isReadable()) {
      requestBodyStartNanos = System.nanoTime();
    }
    boolean holdBody = !last && context.memory().spent();
    if (holdBody) {
      // Only the buffer reserve is left: the next piece is read once this one is in the kernel.
      channel.writeAndFlush(content).addListener(f -> readBodyIfWritable());
    } else {
      channel.writeAndFlush(content, channel.voidPromise());
    }
    if (last) {
      requestSent = true;
      sentNanos = System.nanoTime();
      if (requestBodyStartNanos >= 0) {
        server.stats().requestBody(sentNanos - requestBodyStartNanos);
      }
      armTimer(upstream.responseTimeout().toNanos());
    } else {
      armTimer(context.http().timeouts().body().toNanos());
      if (!holdBody && channel.isWritable()) {
        frontend.readBody();
      }
    }
  }

  private void readBodyIfWritable() {
    if (!ended && !requestComplete && backend != null && backend.channel().isWritable()) {
      frontend.readBody();
    }
  }

  /**
   * The decoder could not frame the body (a bad chunk size): its end-of-body marker must not reach
   * the server, which would take the truncated body for the whole request. The server connection is
   * dropped mid-body and the client gets 400.
   */
  private void malformedBody() {
    if (server == null && WAITING.compareAndSet(this, 1, 0)) {
      pool.queue().remove(this);
    }
    closeBackend();
    if (responseStarted) {
      frontend.abort();
      end(TerminationState.PROXY_REJECTED_REQUEST);
    } else {
      localAnswer(400, TerminationState.PROXY_REJECTED_REQUEST);
    }
  }

  /** Whether the body kept for sending holds any byte (an empty last piece does not count). */
  private boolean holdsBodyBytes() {
    for (int i = 0; i < kept.size(); i++) {
      if (kept.get(i).content().isReadable()) {
        return true;
      }
    }
    return false;
  }

  private void keep(HttpContent content) {
    kept.add(content);
    keptBytes += content.content().readableBytes();
  }

  private void releaseKept() {
    for (HttpContent piece : kept) {
      piece.release();
    }
    kept.clear();
    keptBytes = 0;
  }

  void serverWritabilityChanged(boolean writable) {
    if (writable && !requestComplete && backend != null) {
      frontend.readBody();
    }
  }

  void clientWritabilityChanged(boolean writable) {
    if (backend != null && responseStarted && !ended) {
      backend.channel().config().setAutoRead(writable);
      if (writable) {
        awaitingClient = false;
        armTimer(upstream.responseTimeout().toNanos());
      } else {
        awaitClient();
      }
    }
  }

  /**
   * The client's write buffer is full: from now on the wait is the client's, bounded by the send
   * timeout, and the server is not to blame for the silence.
   */
  private void awaitClient() {
    awaitingClient = true;
    armTimer(context.http().timeouts().send().toNanos());
  }

  // ---- response ----------------------------------------------------------------------------

  /** Something from the server, on {@code connection}. */
  void fromServer(BackendHandler connection, HttpObject msg) {
    if (ended || connection != backend) {
      io.netty.util.ReferenceCountUtil.release(msg);
      return;
    }
    if (!msg.decoderResult().isSuccess()) {
      io.netty.util.ReferenceCountUtil.release(msg);
      server.recordFailure();
      closeBackend();
      if (!responseStarted) {
        answerError(502, TerminationState.PROXY_REJECTED_RESPONSE);
      } else {
        frontend.abort();
        end(TerminationState.SERVER_CLOSED_DURING_DATA);
      }
      return;
    }
    if (msg instanceof HttpResponse response) {
      responseHead(response);
      if (ended || !(msg instanceof HttpContent)) {
        return;
      }
    }
    if (msg instanceof HttpContent content) {
      if (!responseStarted) {
        // The rest of an informational or "full" answer: not for the client.
        content.release();
        return;
      }
      responseContent(content);
    }
  }

  private void responseHead(HttpResponse response) {
    if (response.status().codeClass() == HttpStatusClass.INFORMATIONAL
        && response.status().code() != 101) {
      // 100 Continue, 103 Early Hints: passed on; the final answer follows.
      if (!frontend.isStream()) {
        frontend.writeAndFlush(response);
      }
      return;
    }
    responseHeadNanos = System.nanoTime();
    long roundTrip = responseHeadNanos - sentNanos;
    responseMillis = TimeUnit.NANOSECONDS.toMillis(roundTrip);
    server.recordRoundTrip(roundTrip);
    int capacity = upstream.statedCapacity(response);
    if (capacity > 0) {
      server.capacity(capacity);
    }
    // Every final answer the server gave counts as its own, a "full" one replayed elsewhere too.
    server.stats().firstByte(roundTrip);
    server.stats().response(response.status().code());
    if (upstream.saysFull(response) && canReplay(true) && pool.retryBudget().tryRetry()) {
      // The server refused politely: the request never reached the application.
      responseMillis = -1;
      replay(true);
      return;
    }
    server.recordSuccess();
    responseStarted = true;
    releaseKept();
    replayable = false;
    status = response.status().code();
    serverKeepAlive = HttpUtil.isKeepAlive(response);
    clientKeepAlive = clientWantsKeepAlive;
    armTimer(upstream.responseTimeout().toNanos());
    if (status == 101 && tunnel) {
      upgrade(response);
      return;
    }
    Identity.removeHopByHop(response.headers());
    if (!frontend.isStream()) {
      boolean framed =
          HttpUtil.isContentLengthSet(response)
              || HttpUtil.isTransferEncodingChunked(response)
              || status == 204
              || status == 304
              || request.method() == HttpMethod.HEAD;
      if (!framed) {
        // The server delimits the body by closing; so must Sluice.
        clientKeepAlive = false;
      }
      response.setProtocolVersion(HttpVersion.HTTP_1_1);
      if (!clientKeepAlive) {
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      }
    }
    frontend.write(response);
  }

  private void responseContent(HttpContent content) {
    int length = content.content().readableBytes();
    bytesToClient += length;
    boolean last = content instanceof LastHttpContent;
    if (responseBodyStartNanos < 0 && length > 0) {
      responseBodyStartNanos = System.nanoTime();
    }
    if (!last && context.memory().spent()) {
      // Only the buffer reserve is left: the server is read again once this piece is in the
      // kernel, so a client that reads slowly holds one piece, not a write buffer's worth.
      backend.channel().config().setAutoRead(false);
      frontend.writeAndFlush(content, this::resumeResponse);
    } else {
      frontend.writeAndFlush(content);
    }
    if (last) {
      if (responseBodyStartNanos >= 0) {
        server.stats().responseBody(System.nanoTime() - responseBodyStartNanos);
      }
      end(TerminationState.NORMAL);
    } else if (!frontend.isWritable()) {
      backend.channel().config().setAutoRead(false);
      awaitClient();
    } else {
      armTimer(upstream.responseTimeout().toNanos());
    }
  }

  private void resumeResponse(io.netty.util.concurrent.Future<? super Void> written) {
    if (!ended && backend != null && responseStarted && frontend.isWritable()) {
      backend.channel().config().setAutoRead(true);
    }
  }

  /** The server connection closed or failed ({@code cause} null: closed cleanly). */
  void serverClosed(BackendHandler connection, Throwable cause) {
    if (ended || connection != backend) {
      return;
    }
    backend = null;
    server.recordFailure();
    if (!responseStarted) {
      if (canReplay(false) && pool.retryBudget().tryRetry()) {
        replay(false);
        return;
      }
      answerError(502, TerminationState.SERVER_ABORTED_DURING_HEADERS);
      return;
    }
    frontend.abort();
    end(TerminationState.SERVER_CLOSED_DURING_DATA);
  }

  /** Whether the request can go to another server: its body is all held, and it is safe. */
  private boolean canReplay(boolean full) {
    return replayable
        && requestComplete
        && (full || idempotent || upstream.replayNonIdempotent())
        && retries < pool.retryAttempts()
        && target == null;
  }

  /** Sends the request to another server after a failed connect, if attempts and budget allow. */
  private boolean retry(boolean full) {
    if (!replayable
        || retries >= pool.retryAttempts()
        || target != null
        || !pool.retryBudget().tryRetry()) {
      Server failed = server;
      server = null;
      pool.release(failed);
      return false;
    }
    replay(full);
    return true;
  }

  /**
   * Gives up the current server (its slot and connection) and takes the request to another one; the
   * retry budget was already charged.
   */
  private void replay(boolean full) {
    Server failed = server;
    closeBackend();
    pool.release(failed);
    server = null;
    retries++;
    tried |= pool.bitOf(failed);
    context.stats().retried(full);
    connectMillis = -1;
    // Next loop turn: epoll may still report events of the closed socket's reused descriptor.
    frontend
        .channel()
        .eventLoop()
        .execute(
            () -> {
              if (!ended) {
                acquire(failed);
              }
            });
  }

  // ---- WebSocket tunnel --------------------------------------------------------------------

  private void upgrade(HttpResponse response) {
    BackendHandler connection = backend;
    backend = null;
    connection.detach();
    cancelTimer();
    Identity.removeHopByHop(response.headers());
    response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
    response.headers().set(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET);
    Tunnel.open(frontend, connection.channel(), response, this::tunnelEnded);
  }

  private void tunnelEnded(long bytesUp, long bytesDown) {
    bytesToClient += bytesDown;
    clientKeepAlive = false;
    end(TerminationState.NORMAL);
  }

  // ---- endings -----------------------------------------------------------------------------

  private void overload(TerminationState termination) {
    context.stats().overload();
    int retryAfter =
        pool == null
            ? context.answers().drawRetryAfter()
            : context.answers().retryAfter(pool.drainRate(), pool.queue().length(), pool);
    bytesToClient = frontend.answer(context.answers().overloadStatus(), retryAfter);
    status = context.answers().overloadStatus();
    clientKeepAlive = false;
    end(termination);
  }

  private void localAnswer(int code, TerminationState termination) {
    bytesToClient = frontend.answer(code, -1);
    status = code;
    clientKeepAlive = false;
    end(termination);
  }

  private void answerError(int code, TerminationState termination) {
    localAnswer(code, termination);
  }

  /** The client closed (or reset its stream) before the exchange was over. */
  void clientClosed() {
    if (ended) {
      return;
    }
    if (server == null && WAITING.compareAndSet(this, 1, 0)) {
      pool.queue().remove(this);
      queueMillis = HttpFrontend.millisSince(queuedAtNanos);
      end(TerminationState.CLIENT_ABORTED_DURING_QUEUE);
      return;
    }
    closeBackend();
    end(
        server != null && connectMillis < 0
            ? TerminationState.CLIENT_ABORTED_DURING_CONNECT
            : TerminationState.CLIENT_ABORTED_DURING_DATA);
  }

  /** The client shut its side after sending; an incomplete request cannot go on. */
  void clientInputShut() {
    if (!requestComplete) {
      frontend.abort();
    }
  }

  private void closeBackend() {
    if (backend != null) {
      BackendHandler connection = backend;
      backend = null;
      connection.detach();
      connection.channel().close();
    }
  }

  private void end(TerminationState termination) {
    if (ended) {
      return;
    }
    ended = true;
    cancelTimer();
    releaseKept();
    if (backend != null) {
      BackendHandler connection = backend;
      backend = null;
      connection.detach();
      if (connection.isStream()) {
        // An HTTP/2 stream is used once; it closes with its last frame, or is reset here.
        if (termination != TerminationState.NORMAL) {
          connection.channel().close();
        }
      } else if (termination == TerminationState.NORMAL && serverKeepAlive && requestSent) {
        connection.channel().config().setAutoRead(true);
        upstream.connections().giveBack(connection);
      } else {
        connection.channel().close();
      }
    }
    if (server != null) {
      pool.release(server);
    }
    if (route != null) {
      route.leave();
    }
    context.stats().ended(termination, status);
    if (context.spans() != null && traceparent != null) {
      span(termination);
    }
    if (context.accessLog().enabled()) {
      // Off, the line is never built: a storm's refusals cost no formatting.
      context.accessLog().record(record(termination));
    }
    frontend.exchangeEnded(clientKeepAlive && termination == TerminationState.NORMAL);
  }

  /** Exports this request's span when it was slow or failed. */
  private void span(TerminationState termination) {
    long endNanos = System.nanoTime();
    boolean error = status >= 500 || status < 0;
    if (!context.spans().wanted(endNanos - headNanos, error)) {
      return;
    }
    long epochNanos = startMillis * 1_000_000L - startNanos;
    List<Span.Event> events = new ArrayList<>(4);
    if (queuedAtNanos >= 0) {
      events.add(new Span.Event("queued", epochNanos + queuedAtNanos));
    }
    if (attachedNanos >= 0) {
      events.add(new Span.Event("server connected", epochNanos + attachedNanos));
    }
    if (responseHeadNanos >= 0) {
      events.add(new Span.Event("response head", epochNanos + responseHeadNanos));
    }
    Map<String, String> attributes = new LinkedHashMap<>();
    attributes.put("http.request.method", method.name());
    attributes.put("url.path", path(uri));
    attributes.put("http.response.status_code", Integer.toString(status));
    attributes.put("sluice.listener", context.listener());
    attributes.put("sluice.pool", pool == null ? "-" : pool.name());
    attributes.put("sluice.server", server == null ? NO_SERVER : server.name());
    attributes.put("sluice.termination_state", termination.code());
    attributes.put("sluice.retries", Integer.toString(retries));
    attributes.put("client.address", client.ip());
    context
        .spans()
        .export(
            new Span(
                traceparent.substring(3, 35),
                traceparent.substring(36, 52),
                clientSpanId,
                method.name() + ' ' + path(uri),
                epochNanos + headNanos,
                epochNanos + endNanos,
                error,
                attributes,
                events));
  }

  private HttpRecord record(TerminationState termination) {
    return new HttpRecord(
        startMillis,
        client.addressText(),
        context.listener(),
        pool == null ? "-" : pool.name(),
        server == null ? NO_SERVER : server.name(),
        TimeUnit.NANOSECONDS.toMillis(headNanos - startNanos),
        queueMillis,
        connectMillis,
        responseMillis,
        HttpFrontend.millisSince(headNanos),
        status,
        bytesToClient,
        termination,
        server == null ? 0 : server.active(),
        retries,
        pool == null ? 0 : pool.queue().length(),
        requestLine(method, uri, version, frontend.isStream()),
        client.tlsSummary());
  }

  private void armTimer(long nanos) {
    cancelTimer();
    timer = frontend.channel().eventLoop().schedule(this, nanos, TimeUnit.NANOSECONDS);
  }

  private void cancelTimer() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }
}
