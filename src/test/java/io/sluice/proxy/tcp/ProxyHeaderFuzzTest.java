package io.sluice.proxy.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.sluice.net.ProxiedAddresses;
import io.sluice.observe.TerminationState;
import io.sluice.proxy.tcp.TcpFuzzBed.Outcome;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes what a TCP listener with {@code accept_proxy} reads first: Netty's PROXY v1/v2 decoder and
 * {@link ProxyHeaderReader}, in the listener's real pipeline. For any bytes, however they are cut:
 *
 * <ul>
 *   <li>the connection ends exactly once, as {@code SC} (a header was accepted: it went on to
 *       choose a server), {@code PR} (a malformed header) or {@code CR} (it closed before a whole
 *       header), with no exception and no buffer left behind;
 *   <li>an accepted v1 {@code TCP4}/{@code TCP6} or v2 {@code PROXY} inet header stands for the
 *       addresses its bytes say; any other accepted header leaves the socket's own;
 *   <li>every byte after the header is kept for the server, none twice;
 *   <li>the addresses, written again as Sluice writes them for its servers ({@link ProxyHeaders},
 *       v1 and v2), read back the same.
 * </ul>
 */
class ProxyHeaderFuzzTest {
  private static final byte[] V2_SIGNATURE = {
    0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A
  };

  private final TcpFuzzBed bed = new TcpFuzzBed(true, null, null);

  @FuzzTest
  @Timeout(10)
  void readsAnyHeaderIntoOneOutcomeAndTheAddressesItCarries(byte[] input) {
    Outcome whole = bed.run(input, new int[] {Integer.MAX_VALUE});
    Outcome cut = bed.run(input, new int[] {1, 5, 2, 17, 3});
    assertThat(cut.state()).isEqualTo(whole.state());
    assertThat(whole.state())
        .isIn(
            TerminationState.CLIENT_ABORTED_DURING_QUEUE,
            TerminationState.PROXY_REJECTED_REQUEST,
            TerminationState.CLIENT_ABORTED_DURING_REQUEST);
    if (whole.state() != TerminationState.CLIENT_ABORTED_DURING_QUEUE) {
      return;
    }
    assertThat(cut.session().clientAddress()).isEqualTo(whole.session().clientAddress());
    assertThat(cut.session().destinationAddress()).isEqualTo(whole.session().destinationAddress());
    int headerLength = headerLength(input);
    assertThat(headerLength).as("an accepted header's end").isPositive();
    assertThat(whole.bytesFromClient()).isEqualTo(input.length - headerLength);
    assertThat(cut.bytesFromClient()).isEqualTo(input.length - headerLength);
    SocketAddress[] expected = carried(input);
    if (expected != null) {
      assertThat(whole.session().clientAddress()).isEqualTo(expected[0]);
      assertThat(whole.session().destinationAddress()).isEqualTo(expected[1]);
    }
    roundTrip(whole.session().clientAddress(), whole.session().destinationAddress(), false);
    roundTrip(whole.session().clientAddress(), whole.session().destinationAddress(), true);
  }

  /**
   * The length of the header that starts {@code input}: v2's is in its bytes, v1's ends at CRLF.
   */
  private static int headerLength(byte[] input) {
    if (isV2(input)) {
      return 16 + ((input[14] & 0xFF) << 8 | (input[15] & 0xFF));
    }
    String text = new String(input, StandardCharsets.ISO_8859_1);
    int end = text.indexOf("\r\n");
    return end < 0 ? -1 : end + 2;
  }

  private static boolean isV2(byte[] input) {
    return input.length >= 16 && Arrays.equals(input, 0, 12, V2_SIGNATURE, 0, 12);
  }

  /**
   * The client and destination addresses the header's bytes name, read plainly; {@code null} where
   * the header names none (LOCAL, UNKNOWN, unix) and the socket's own stay.
   */
  private static SocketAddress[] carried(byte[] input) {
    if (isV2(input)) {
      int command = input[12] & 0x0F;
      int family = (input[13] & 0xF0) >> 4;
      if (command != 1 || (family != 1 && family != 2)) {
        return new SocketAddress[] {TcpFuzzBed.CLIENT, TcpFuzzBed.LISTENER};
      }
      int size = family == 1 ? 4 : 16;
      int ports = 16 + 2 * size;
      return new SocketAddress[] {
        inet(Arrays.copyOfRange(input, 16, 16 + size), port(input, ports)),
        inet(Arrays.copyOfRange(input, 16 + size, 16 + 2 * size), port(input, ports + 2))
      };
    }
    String line = new String(input, 0, headerLength(input) - 2, StandardCharsets.ISO_8859_1);
    String[] fields = line.split(" ");
    if (fields.length != 6) {
      return new SocketAddress[] {TcpFuzzBed.CLIENT, TcpFuzzBed.LISTENER};
    }
    return new SocketAddress[] {
      new InetSocketAddress(literal(fields[2]), Integer.parseInt(fields[4])),
      new InetSocketAddress(literal(fields[3]), Integer.parseInt(fields[5]))
    };
  }

  private static int port(byte[] input, int at) {
    return (input[at] & 0xFF) << 8 | (input[at + 1] & 0xFF);
  }

  private static InetSocketAddress inet(byte[] address, int port) {
    try {
      return new InetSocketAddress(InetAddress.getByAddress(address), port);
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }

  private static InetAddress literal(String ip) {
    InetAddress address = io.netty.util.NetUtil.createInetAddressFromIpAddressString(ip);
    assertThat(address).as("an accepted header's address " + ip).isNotNull();
    return address;
  }

  /** Sluice's header for its servers, encoded and decoded again, names the same addresses. */
  private static void roundTrip(SocketAddress client, SocketAddress destination, boolean v2) {
    EmbeddedChannel channel =
        new EmbeddedChannel(HAProxyMessageEncoder.INSTANCE, new HAProxyMessageDecoder());
    channel.writeOutbound(ProxyHeaders.encodable(ProxyHeaders.describe(client, destination, v2)));
    ByteBuf encoded = channel.readOutbound();
    channel.writeInbound(encoded);
    HAProxyMessage decoded = channel.readInbound();
    try {
      assertThat(ProxiedAddresses.present(decoded)).isTrue();
      assertThat(normalize(ProxiedAddresses.source(decoded))).isEqualTo(normalize(client));
      assertThat(normalize(ProxiedAddresses.destination(decoded)))
          .isEqualTo(normalize(destination));
    } finally {
      decoded.release();
      channel.finishAndReleaseAll();
    }
  }

  /** IPv4 travels v4-mapped in a v6 header when the other address is v6. */
  private static SocketAddress normalize(SocketAddress address) {
    InetSocketAddress inet = (InetSocketAddress) address;
    byte[] raw = inet.getAddress().getAddress();
    if (raw.length == 16 && isV4Mapped(raw)) {
      return inet(Arrays.copyOfRange(raw, 12, 16), inet.getPort());
    }
    return inet;
  }

  private static boolean isV4Mapped(byte[] raw) {
    for (int i = 0; i < 10; i++) {
      if (raw[i] != 0) {
        return false;
      }
    }
    return raw[10] == (byte) 0xFF && raw[11] == (byte) 0xFF;
  }
}
