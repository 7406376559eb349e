package io.sluice.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ImmediateEventExecutor;
import io.sluice.admission.BufferMemory;
import io.sluice.config.HttpConfig;
import io.sluice.net.Transport;
import io.sluice.observe.AccessLog;
import io.sluice.testing.TrackingAllocator;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes an {@code http} listener's whole client side as an accepted connection meets it: {@link
 * HttpProxyInitializer} (the PROXY header on the listener that takes one, HTTP/1.1 or HTTP/2 by its
 * preface), {@link Http1Codec}, flow control and {@link HttpFrontend} with its exchanges. The
 * listener has no route, so every request Sluice accepts is answered 404 by Sluice itself. For any
 * bytes, however they are cut, nothing escapes the pipeline, every buffer is released, and an
 * HTTP/1.1 client reads nothing but whole answers of Sluice's own.
 */
class HttpListenerFuzzTest {
  private static final InetSocketAddress CLIENT = new InetSocketAddress("127.0.0.1", 40000);
  private static final InetSocketAddress LISTENER = new InetSocketAddress("127.0.0.1", 8080);
  private static final byte[] H2_PREFACE =
      ByteBufUtil.getBytes(Http2CodecUtil.connectionPrefaceBuf());

  /** What Sluice itself answers HTTP/1.1 requests with when nothing is routed. */
  private static final Set<Integer> OWN_ANSWERS = Set.of(400, 404, 414, 431, 501);

  private final TrackingAllocator alloc = new TrackingAllocator();

  @FuzzTest
  @Timeout(10)
  void answersAnyBytesWithItsOwnAnswersAndLeavesNothingBehind(byte[] input) {
    byte[] plain = serve(input, false, new int[] {Integer.MAX_VALUE});
    serve(input, false, new int[] {1, 3, 8, 2, 31});
    if (!startsWith(input, H2_PREFACE)) {
      checkAnswers(plain);
    }
    serve(input, true, new int[] {Integer.MAX_VALUE});
  }

  /** Runs one connection that sends {@code input} in pieces; returns what it was sent. */
  private byte[] serve(byte[] input, boolean acceptProxy, int[] pieces) {
    EmbeddedChannel client = new ClientChannel();
    client.config().setAllocator(alloc);
    client.config().setAutoRead(false);
    client.pipeline().addLast(new HttpProxyInitializer(context(acceptProxy)));
    ByteArrayOutputStream sent = new ByteArrayOutputStream();
    int offset = 0;
    for (int i = 0; offset < input.length && client.isOpen(); i++) {
      int length = Math.min(pieces[i % pieces.length], input.length - offset);
      client.writeInbound(alloc.buffer(length).writeBytes(input, offset, length));
      client.runPendingTasks();
      drain(client, sent);
      offset += length;
    }
    client.close();
    client.runPendingTasks();
    drain(client, sent);
    client.finishAndReleaseAll();
    client.checkException();
    alloc.assertAllReleased("a connection that sent " + input.length + " bytes");
    return sent.toByteArray();
  }

  private static void drain(EmbeddedChannel client, ByteArrayOutputStream sent) {
    for (Object out; (out = client.readOutbound()) != null; ) {
      try {
        if (out instanceof ByteBuf bytes) {
          sent.writeBytes(ByteBufUtil.getBytes(bytes));
        }
      } finally {
        ReferenceCountUtil.release(out);
      }
    }
  }

  /** What an HTTP/1.1 client read parses as whole responses, each one of Sluice's own answers. */
  private static void checkAnswers(byte[] sent) {
    EmbeddedChannel reader = new EmbeddedChannel(new HttpResponseDecoder());
    reader.writeInbound(io.netty.buffer.Unpooled.wrappedBuffer(sent));
    reader.finish();
    for (Object in; (in = reader.readInbound()) != null; ) {
      try {
        HttpObject object = (HttpObject) in;
        assertThat(object.decoderResult().isSuccess())
            .as(
                "a whole response in "
                    + new String(sent, java.nio.charset.StandardCharsets.ISO_8859_1))
            .isTrue();
        if (object instanceof HttpResponse response) {
          assertThat(response.status().code()).isIn(OWN_ANSWERS);
        }
      } finally {
        ReferenceCountUtil.release(in);
      }
    }
  }

  private static HttpListenerContext context(boolean acceptProxy) {
    HttpConfig http = HttpConfig.DEFAULT;
    return new HttpListenerContext(
        "fuzz",
        http,
        new Router(List.of(), null),
        acceptProxy,
        Duration.ofSeconds(5),
        Transport.NIO,
        AccessLog.off(),
        new DefaultChannelGroup(ImmediateEventExecutor.INSTANCE),
        new HttpStats(),
        null,
        new LocalResponses(http.overload().status(), http.overload().retryAfter()),
        null,
        null,
        new BufferMemory(Long.MAX_VALUE, 0, () -> 0L));
  }

  private static boolean startsWith(byte[] input, byte[] prefix) {
    return input.length >= prefix.length
        && Arrays.equals(input, 0, prefix.length, prefix, 0, prefix.length);
  }

  /**
   * An accepted connection from {@link #CLIENT} to {@link #LISTENER}; its parent is a server
   * channel, which is how Netty's HTTP/2 code tells a server's connection from a client's.
   */
  private static final class ClientChannel extends EmbeddedChannel {
    private static final io.netty.channel.Channel LISTENING =
        new io.netty.channel.local.LocalServerChannel();

    ClientChannel() {
      super(LISTENING, io.netty.channel.DefaultChannelId.newInstance(), true, false);
    }

    @Override
    protected SocketAddress localAddress0() {
      return LISTENER;
    }

    @Override
    protected SocketAddress remoteAddress0() {
      return CLIENT;
    }
  }
}
