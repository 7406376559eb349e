package io.sluice.proxy.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.sluice.observe.TerminationState;
import io.sluice.pool.Pool;
import io.sluice.proxy.tcp.TcpFuzzBed.Outcome;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes TLS passthrough ({@code sni_routes}): Netty's ClientHello parser and {@link
 * ClientHelloRouter} in a TCP listener's real pipeline. For any bytes, however they are cut:
 *
 * <ul>
 *   <li>the connection ends exactly once: routed ({@code CQ}: it waited for a server of the pool)
 *       or refused as not TLS or cut short ({@code CR}), with no exception and no buffer left
 *       behind;
 *   <li>a routed connection passes every byte it sent on to the server, ClientHello included;
 *   <li>a ClientHello that a plain reading of RFC 8446's layout finds whole in one record is routed
 *       by the server name that reading finds (or to the listener's pool without one): Sluice never
 *       routes on another name than the one the server will see.
 * </ul>
 */
class ClientHelloFuzzTest {
  private final Pool exact = TcpFuzzBed.fullPool("exact");
  private final Pool wildcard = TcpFuzzBed.fullPool("wildcard");
  private final Pool fallback = TcpFuzzBed.fullPool("fallback");
  private final SniRoutes routes =
      new SniRoutes(fallback).route("a.test", exact).route("*.wild.test", wildcard);
  private final TcpFuzzBed bed = new TcpFuzzBed(false, routes, null);

  @FuzzTest
  @Timeout(10)
  void routesByTheServerNameTheClientHelloCarries(byte[] input) {
    Outcome whole = bed.run(input, new int[] {Integer.MAX_VALUE});
    Outcome cut = bed.run(input, new int[] {1, 4, 2, 9, 3, 64});
    assertThat(cut.state()).isEqualTo(whole.state());
    assertThat(whole.state())
        .isIn(
            TerminationState.CLIENT_ABORTED_DURING_QUEUE,
            TerminationState.CLIENT_ABORTED_DURING_REQUEST);
    if (whole.state() != TerminationState.CLIENT_ABORTED_DURING_QUEUE) {
      return;
    }
    assertThat(cut.session().pool()).isSameAs(whole.session().pool());
    assertThat(whole.bytesFromClient()).isEqualTo(input.length);
    assertThat(cut.bytesFromClient()).isEqualTo(input.length);
    ServerName name = serverName(input);
    if (name != null) {
      assertThat(whole.session().pool().name())
          .as("pool for " + name.value())
          .isEqualTo(routes.poolFor(name.value()).name());
    }
  }

  /** A ClientHello's server name; {@code value} is null when it has none. */
  private record ServerName(String value) {}

  /**
   * The host name of the first server_name extension of a ClientHello that stands whole in the
   * first record; {@code null} when the bytes are not laid out so.
   */
  private static ServerName serverName(byte[] input) {
    try {
      ByteBuffer in = ByteBuffer.wrap(input);
      if (in.get() != 0x16 || in.get() != 0x03) {
        return null;
      }
      in.get();
      ByteBuffer record = slice(in, u16(in));
      if (record.get() != 0x01) {
        return null;
      }
      ByteBuffer hello = slice(record, u24(record));
      skip(hello, 2 + 32);
      skip(hello, u8(hello));
      skip(hello, u16(hello));
      skip(hello, u8(hello));
      if (!hello.hasRemaining()) {
        return new ServerName(null);
      }
      ByteBuffer extensions = slice(hello, u16(hello));
      while (extensions.hasRemaining()) {
        int type = u16(extensions);
        ByteBuffer data = slice(extensions, u16(extensions));
        if (type == 0) {
          ByteBuffer names = slice(data, u16(data));
          while (names.hasRemaining()) {
            int nameType = u8(names);
            ByteBuffer name = slice(names, u16(names));
            if (nameType == 0) {
              byte[] bytes = new byte[name.remaining()];
              name.get(bytes);
              return new ServerName(new String(bytes, StandardCharsets.US_ASCII));
            }
          }
          return null;
        }
      }
      return new ServerName(null);
    } catch (java.nio.BufferUnderflowException | IllegalArgumentException e) {
      return null;
    }
  }

  private static ByteBuffer slice(ByteBuffer in, int length) {
    if (length > in.remaining()) {
      throw new IllegalArgumentException("past the end");
    }
    ByteBuffer part = in.slice();
    part.limit(length);
    in.position(in.position() + length);
    return part;
  }

  private static void skip(ByteBuffer in, int length) {
    slice(in, length);
  }

  private static int u8(ByteBuffer in) {
    return in.get() & 0xFF;
  }

  private static int u16(ByteBuffer in) {
    return in.getShort() & 0xFFFF;
  }

  private static int u24(ByteBuffer in) {
    return u8(in) << 16 | u16(in);
  }
}
