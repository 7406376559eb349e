package io.sluice.proxy.udp;

import io.netty.util.internal.PlatformDependent;
import io.sluice.admission.BufferBudget;
import java.nio.ByteBuffer;
import java.util.Queue;

/**
 * The process-wide pool of datagram receive buffers, all made at start: a fixed number of equal
 * buffers, each large enough for the largest datagram any udp listener relays plus room for a PROXY
 * v2 header to go in front of it.
 *
 * <p>New datagrams from clients may take buffers only while more than the reserve is free; replies
 * from servers may take the reserve too. When a read finds no buffer it lands in a loop's scratch
 * buffer and is dropped at once, before any parsing or lookup: the early drop.
 *
 * <p>Threads: any event loop takes; any thread gives back (a lock-free bounded queue and an atomic
 * counter, no lock and no allocation either way).
 */
public final class DatagramBuffers {
  /**
   * Room for a PROXY v2 header beside each datagram: over IPv6 it is 52 bytes (16 fixed, 36 of
   * addresses). Reads start at index 0 (Netty's recvmsg path sets the writer index to the
   * datagram's length, whatever it was), so the data moves up by the header's length when one is
   * sent.
   */
  static final int HEADROOM = 64;

  /** Each region of buffers stays under a gigabyte, well below a ByteBuffer's 2 GiB limit. */
  private static final long REGION_BYTES = 1L << 30;

  private final int bufferSize;
  private final int maxDatagram;
  private final BufferBudget budget;
  private final Queue<DatagramBuffer> free;

  /**
   * @param budgetBytes bytes of buffers in all
   * @param reserveFraction the share of buffers only replies may take
   * @param maxDatagram the largest datagram any listener relays
   */
  public DatagramBuffers(long budgetBytes, double reserveFraction, int maxDatagram) {
    this.maxDatagram = maxDatagram;
    // One byte beyond the largest datagram: a read that fills it was longer, hence dropped.
    this.bufferSize = HEADROOM + maxDatagram + 1;
    int count = (int) Math.max(2, Math.min(Integer.MAX_VALUE - 8, budgetBytes / bufferSize));
    int reserve = (int) Math.min(count - 1, Math.round(count * reserveFraction));
    this.budget = new BufferBudget(count, reserve);
    this.free = PlatformDependent.newFixedMpmcQueue(count);
    int perRegion = (int) Math.max(1, REGION_BYTES / bufferSize);
    for (int made = 0; made < count; ) {
      int inRegion = Math.min(perRegion, count - made);
      ByteBuffer region = ByteBuffer.allocateDirect(inRegion * bufferSize);
      for (int i = 0; i < inRegion; i++) {
        free.offer(new DatagramBuffer(this, region.slice(i * bufferSize, bufferSize)));
      }
      made += inRegion;
    }
  }

  /**
   * A buffer for one datagram, or {@code null} when the budget is spent: for a request, when only
   * the reserve is left; for a reply, when nothing is.
   */
  DatagramBuffer take(boolean reply) {
    if (!budget.tryTake(reply)) {
      return null;
    }
    DatagramBuffer buffer = free.poll();
    if (buffer == null) {
      // Counted but not yet queued: a release on another thread is between its two steps.
      budget.give();
      return null;
    }
    return buffer.prepare();
  }

  void giveBack(DatagramBuffer buffer) {
    free.offer(buffer);
    budget.give();
  }

  /** A buffer of the pool's size owned by one reader, for datagrams that are read only to drop. */
  DatagramBuffer newScratch() {
    return new DatagramBuffer(null, ByteBuffer.allocateDirect(bufferSize));
  }

  /** The largest datagram a buffer holds; a read longer than this was cut and is dropped. */
  int maxDatagram() {
    return maxDatagram;
  }

  /** The size of each buffer, headroom included. */
  public int bufferBytes() {
    return bufferSize;
  }

  public int total() {
    return budget.total();
  }

  public int inUse() {
    return budget.inUse();
  }

  public int reserve() {
    return budget.reserve();
  }
}
