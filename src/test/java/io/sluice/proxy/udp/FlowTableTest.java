package io.sluice.proxy.udp;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FlowTableTest {
  @Test
  void keepsFlowsInOrderOfTheirLastActivity() {
    FlowTable table = new FlowTable(3);
    Flow a = new Flow("a", 0, 1);
    Flow b = new Flow("b", 0, 2);
    Flow c = new Flow("c", 0, 3);
    table.add(a);
    table.add(b);
    table.add(c);

    assertThat(table.isFull()).isTrue();
    assertThat(table.oldest()).isSameAs(a);
    table.touch(a, 4);
    assertThat(table.oldest()).isSameAs(b);
    table.remove(b);
    assertThat(table.oldest()).isSameAs(c);
    table.touch(c, 5);
    assertThat(table.oldest()).isSameAs(a);
    assertThat(table.get("a")).isSameAs(a);
    assertThat(table.get("b")).isNull();
    assertThat(table.size()).isEqualTo(2);
    table.remove(a);
    table.remove(c);
    assertThat(table.oldest()).isNull();
    assertThat(table.size()).isZero();
  }

  @Test
  void findsACallIdStoredFromAProbe() {
    FlowTable table = new FlowTable(10);
    io.netty.buffer.ByteBuf message =
        io.netty.buffer.Unpooled.copiedBuffer(
            "xxabc@host", java.nio.charset.StandardCharsets.US_ASCII);
    CallId probe = CallId.probe().load(message, 2, 8);
    Flow flow = new Flow(probe.copy(), probe.spreadHash(), 0);
    table.add(flow);

    assertThat(table.get(CallId.probe().load(message, 2, 8))).isSameAs(flow);
    assertThat(table.get(CallId.probe().load(message, 2, 7))).isNull();
    message.release();
  }
}
