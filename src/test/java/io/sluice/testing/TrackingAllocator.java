package io.sluice.testing;

import static org.assertj.core.api.Assertions.fail;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.ArrayList;
import java.util.List;

/**
 * An allocator that remembers every buffer it hands out, so a test can check, right after the
 * channel closed, that each one was released: a leak fails the input that caused it, at once and
 * every time, where Netty's leak detector reports only after a collection, and under a later input.
 *
 * <p>Single-threaded: one per test, used on one (embedded) event loop.
 */
public final class TrackingAllocator extends AbstractByteBufAllocator {
  private final UnpooledByteBufAllocator delegate = new UnpooledByteBufAllocator(false, true);
  private final List<ByteBuf> handedOut = new ArrayList<>();

  public TrackingAllocator() {
    super(false);
  }

  @Override
  protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
    return track(delegate.heapBuffer(initialCapacity, maxCapacity));
  }

  @Override
  protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
    return track(delegate.directBuffer(initialCapacity, maxCapacity));
  }

  @Override
  public CompositeByteBuf compositeHeapBuffer(int maxNumComponents) {
    return track(super.compositeHeapBuffer(maxNumComponents));
  }

  @Override
  public CompositeByteBuf compositeDirectBuffer(int maxNumComponents) {
    return track(super.compositeDirectBuffer(maxNumComponents));
  }

  @Override
  public boolean isDirectBufferPooled() {
    return false;
  }

  /** Also tracks a buffer made elsewhere whose ownership passes to the code under test. */
  public <T extends ByteBuf> T track(T buffer) {
    handedOut.add(buffer);
    return buffer;
  }

  /** Fails naming how many buffers are still held; then forgets them all for the next input. */
  public void assertAllReleased(String what) {
    int leaked = 0;
    for (ByteBuf buffer : handedOut) {
      if (buffer.refCnt() != 0) {
        leaked++;
      }
    }
    for (ByteBuf buffer : handedOut) {
      try {
        if (buffer.refCnt() != 0) {
          buffer.release(buffer.refCnt());
        }
      } catch (io.netty.util.IllegalReferenceCountException alreadyFreed) {
        // A composite whose components were freed before it: counted above all the same.
      }
    }
    int total = handedOut.size();
    handedOut.clear();
    if (leaked > 0) {
      fail(leaked + " of " + total + " buffers still held after " + what);
    }
  }
}
