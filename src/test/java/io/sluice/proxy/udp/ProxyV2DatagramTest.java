package io.sluice.proxy.udp;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import java.net.InetSocketAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The header reads back, through Netty's own decoder, as the UDP flow it describes. */
class ProxyV2DatagramTest {
  @ParameterizedTest
  @CsvSource({
    "192.0.2.7, 10.0.0.1, UDP4, 192.0.2.7, 10.0.0.1",
    "2001:db8::7, 2001:db8::1, UDP6, 2001:db8:0:0:0:0:0:7, 2001:db8:0:0:0:0:0:1",
    "192.0.2.7, ::, UDP6, 0:0:0:0:0:ffff:c000:207, 0:0:0:0:0:0:0:0"
  })
  void describesTheClientAndTheListenerOfAFlow(
      String client, String local, String protocol, String source, String destination) {
    byte[] header =
        ProxyV2Datagram.header(
            new InetSocketAddress(client, 40312), new InetSocketAddress(local, 5060));
    EmbeddedChannel decoder = new EmbeddedChannel(new HAProxyMessageDecoder());
    decoder.writeInbound(Unpooled.wrappedBuffer(header));

    HAProxyMessage message = decoder.readInbound();
    assertThat(message.proxiedProtocol()).isEqualTo(HAProxyProxiedProtocol.valueOf(protocol));
    assertThat(message.sourceAddress()).isEqualToIgnoringCase(source);
    assertThat(message.destinationAddress()).isEqualToIgnoringCase(destination);
    assertThat(message.sourcePort()).isEqualTo(40312);
    assertThat(message.destinationPort()).isEqualTo(5060);
    message.release();
    decoder.finishAndReleaseAll();
  }
}
