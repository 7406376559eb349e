package io.sluice.proxy.udp;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledDirectByteBuf;
import java.nio.ByteBuffer;

/**
 * One preallocated receive buffer: a slice of a direct region made at start. Released to a
 * reference count of zero, it goes back to its {@link DatagramBuffers} instead of being freed, so
 * neither the buffer object nor its memory is allocated again per datagram.
 *
 * <p>Threads: used by one event loop at a time; handed back by whichever thread releases it last.
 */
final class DatagramBuffer extends UnpooledDirectByteBuf {
  /** Where it returns when released; {@code null} for a loop's scratch buffer, which stays put. */
  private final DatagramBuffers home;

  DatagramBuffer(DatagramBuffers home, ByteBuffer memory) {
    super(ByteBufAllocator.DEFAULT, memory, memory.remaining());
    this.home = home;
    clear();
  }

  /** Ready for a read: empty. */
  DatagramBuffer prepare() {
    clear();
    return this;
  }

  /** Whether this is a scratch buffer: a datagram read into it was dropped for lack of budget. */
  boolean isScratch() {
    return home == null;
  }

  @Override
  protected void deallocate() {
    resetRefCnt();
    clear();
    if (home != null) {
      home.giveBack(this);
    }
  }
}
