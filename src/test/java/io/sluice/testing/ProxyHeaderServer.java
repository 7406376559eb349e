package io.sluice.testing;

import static org.assertj.core.api.Assertions.fail;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.handler.codec.haproxy.HAProxySSLTLV;
import io.netty.handler.codec.haproxy.HAProxyTLV;
import io.netty.util.NetUtil;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A loopback TCP server that expects a PROXY protocol header (v1 or v2) first and records what it
 * says, then writes back everything else it reads and closes its side when the client half-closes,
 * as {@link EchoServer} does. Netty's {@link HAProxyMessageDecoder} reads the header; a connection
 * whose header it cannot decode is closed, and the failure is reported by {@link #nextHeader()}.
 *
 * <p>Threads: one daemon thread accepts, one per connection decodes and echoes; headers reach the
 * test through a blocking queue.
 */
public final class ProxyHeaderServer implements AutoCloseable {
  private static final Duration HEADER_WAIT = Duration.ofSeconds(10);

  /**
   * What one PROXY header said.
   *
   * @param source the client's address, or null when the header carries no inet address ({@code
   *     LOCAL}, {@code UNKNOWN})
   * @param destination the address the client connected to, or null likewise
   * @param tlvs the v2 header's TLVs, in order
   */
  public record ReceivedHeader(
      HAProxyProtocolVersion version,
      HAProxyCommand command,
      HAProxyProxiedProtocol protocol,
      InetSocketAddress source,
      InetSocketAddress destination,
      List<ReceivedTlv> tlvs) {
    /** The first TLV of {@code type}, or null. */
    public ReceivedTlv tlv(int type) {
      return tlvs.stream().filter(t -> t.type() == type).findFirst().orElse(null);
    }
  }

  /**
   * One TLV of a v2 header, copied out of Netty's buffers.
   *
   * @param client {@code PP2_TYPE_SSL}: the client flags; else 0
   * @param verify {@code PP2_TYPE_SSL}: the verify result; else 0
   * @param subTlvs {@code PP2_TYPE_SSL}: the TLVs inside it; else empty
   */
  public record ReceivedTlv(
      int type, byte[] value, int client, int verify, List<ReceivedTlv> subTlvs) {
    /** The sub-TLV of {@code type} as ASCII text, or null. */
    public String text(int subType) {
      return subTlvs.stream()
          .filter(t -> t.type() == subType)
          .findFirst()
          .map(t -> new String(t.value(), java.nio.charset.StandardCharsets.US_ASCII))
          .orElse(null);
    }
  }

  private final ServerSocket socket;
  private final BlockingQueue<ReceivedHeader> headers = new LinkedBlockingQueue<>();
  private final Queue<Exception> failures = new ConcurrentLinkedQueue<>();

  public ProxyHeaderServer() throws IOException {
    socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(this::acceptLoop, "proxy-header-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** {@code 127.0.0.1:port}. */
  public String address() {
    return "127.0.0.1:" + socket.getLocalPort();
  }

  /** The next header received, waiting up to ten seconds for it. */
  public ReceivedHeader nextHeader() throws InterruptedException {
    ReceivedHeader header = headers.poll(HEADER_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    if (header == null) {
      fail("no PROXY header within " + HEADER_WAIT + "; connection failures: " + failures);
    }
    return header;
  }

  private void acceptLoop() {
    while (!socket.isClosed()) {
      try {
        Socket connection = socket.accept();
        Thread worker = new Thread(() -> serve(connection), "proxy-header-conn");
        worker.setDaemon(true);
        worker.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Socket connection) {
    EmbeddedChannel decoder = new EmbeddedChannel(new HAProxyMessageDecoder());
    try (connection;
        InputStream in = connection.getInputStream();
        OutputStream out = connection.getOutputStream()) {
      byte[] buffer = new byte[64 * 1024];
      int n;
      while ((n = in.read(buffer)) >= 0) {
        decoder.writeInbound(Unpooled.copiedBuffer(buffer, 0, n));
        for (Object message; (message = decoder.readInbound()) != null; ) {
          try {
            handle(message, out);
          } finally {
            ReferenceCountUtil.release(message);
          }
        }
      }
      connection.shutdownOutput();
    } catch (IOException | RuntimeException e) {
      // A header the decoder rejects arrives here as a DecoderException.
      failures.add(e);
    } finally {
      decoder.finishAndReleaseAll();
    }
  }

  private void handle(Object message, OutputStream out) throws IOException {
    if (message instanceof HAProxyMessage header) {
      headers.add(
          new ReceivedHeader(
              header.protocolVersion(),
              header.command(),
              header.proxiedProtocol(),
              inet(header.sourceAddress(), header.sourcePort()),
              inet(header.destinationAddress(), header.destinationPort()),
              copy(header.tlvs())));
    } else {
      ByteBuf bytes = (ByteBuf) message;
      bytes.readBytes(out, bytes.readableBytes());
    }
  }

  private static List<ReceivedTlv> copy(List<? extends HAProxyTLV> tlvs) {
    List<ReceivedTlv> copies = new ArrayList<>();
    for (HAProxyTLV tlv : tlvs) {
      if (tlv instanceof HAProxySSLTLV ssl) {
        copies.add(
            new ReceivedTlv(
                tlv.typeByteValue() & 0xFF,
                new byte[0],
                ssl.client() & 0xFF,
                ssl.verify(),
                copy(ssl.encapsulatedTLVs())));
      } else {
        copies.add(
            new ReceivedTlv(
                tlv.typeByteValue() & 0xFF, ByteBufUtil.getBytes(tlv.content()), 0, 0, List.of()));
      }
    }
    return copies;
  }

  /** The address for an IP literal; null for none or a unix path. Never a DNS lookup. */
  private static InetSocketAddress inet(String address, int port) {
    if (address == null) {
      return null;
    }
    InetAddress ip = NetUtil.createInetAddressFromIpAddressString(address);
    return ip == null ? null : new InetSocketAddress(ip, port);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
