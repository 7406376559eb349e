package io.sluice.proxy.udp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.DefaultMaxMessagesRecvByteBufAllocator;

/**
 * Hands a datagram channel's reads buffers from the {@link DatagramBuffers} pool instead of the
 * channel's allocator. When the budget is spent the read goes into the channel's scratch buffer, so
 * the kernel's queue still drains, and the handler drops it as its first step.
 *
 * <p>Threads: one instance per channel, used on its event loop only.
 */
final class BudgetedRecvAllocator extends DefaultMaxMessagesRecvByteBufAllocator {
  private final DatagramBuffers buffers;
  private final boolean replies;
  private final DatagramBuffer scratch;

  /**
   * @param replies whether this channel reads servers' replies, which may take the reserve
   * @param scratch the buffer reads land in when the budget is spent
   */
  BudgetedRecvAllocator(DatagramBuffers buffers, boolean replies, DatagramBuffer scratch) {
    // Up to 16 datagrams per wake-up, Netty's default for datagram channels.
    super(16);
    this.buffers = buffers;
    this.replies = replies;
    this.scratch = scratch;
  }

  // Netty 4.2 deprecates Handle for its IoHandle-based reads but still calls newHandle() on every
  // channel; ExtendedHandle (what MaxMessageHandle is) is what epoll channels require.
  @SuppressWarnings("deprecation")
  @Override
  public Handle newHandle() {
    return new MaxMessageHandle() {
      @Override
      public ByteBuf allocate(ByteBufAllocator ignored) {
        DatagramBuffer buffer = buffers.take(replies);
        return buffer != null ? buffer : scratch.prepare();
      }

      @Override
      public int guess() {
        return buffers.bufferBytes();
      }
    };
  }
}
