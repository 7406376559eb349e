package io.sluice.proxy.udp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DatagramBuffersTest {
  @Test
  void keepsTheReserveForRepliesAndTakesBuffersBackWhenReleased() {
    // 10 buffers of 64 + 100 + 1 bytes, 2 of them kept for replies.
    DatagramBuffers buffers = new DatagramBuffers(10 * 165, 0.2, 100);
    assertThat(buffers.total()).isEqualTo(10);
    assertThat(buffers.reserve()).isEqualTo(2);

    List<DatagramBuffer> taken = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      taken.add(buffers.take(false));
    }
    assertThat(taken).doesNotContainNull();
    assertThat(buffers.take(false)).as("only the reserve is left").isNull();
    DatagramBuffer reply1 = buffers.take(true);
    DatagramBuffer reply2 = buffers.take(true);
    assertThat(reply1).isNotNull();
    assertThat(reply2).isNotNull();
    assertThat(buffers.take(true)).as("the whole budget is in use").isNull();
    assertThat(buffers.inUse()).isEqualTo(10);

    taken.get(0).writeBytes(new byte[] {1, 2, 3});
    taken.get(0).release();
    assertThat(buffers.inUse()).isEqualTo(9);
    assertThat(buffers.take(false)).as("one free buffer is still the reserve").isNull();
    reply1.release();
    reply2.release();
    DatagramBuffer again = buffers.take(false);
    assertThat(again).isSameAs(taken.get(0));
    assertThat(again.readableBytes()).as("cleared for its next read").isZero();
    assertThat(again.refCnt()).isEqualTo(1);
    assertThat(again.capacity()).isEqualTo(165);
  }

  @Test
  void aScratchBufferStaysWithItsReader() {
    DatagramBuffers buffers = new DatagramBuffers(10 * 165, 0.2, 100);
    DatagramBuffer scratch = buffers.newScratch();
    scratch.writeByte(1);
    scratch.release();

    assertThat(scratch.isScratch()).isTrue();
    assertThat(scratch.refCnt()).isEqualTo(1);
    assertThat(buffers.inUse()).isZero();
  }
}
