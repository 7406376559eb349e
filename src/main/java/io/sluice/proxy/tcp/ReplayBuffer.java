package io.sluice.proxy.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;

/**
 * What a client sent its current server before that server said anything, kept so that a server
 * which resets before its first byte can be replaced without the client noticing. Once the server
 * answers, or the bytes outgrow {@link #MAX_BYTES}, the copy is dropped for good: a connection that
 * has moved past its opening is never replayed.
 *
 * <p>Owned by the session's event loop. Holds retained duplicates, never copies.
 */
final class ReplayBuffer {
  /**
   * 16 KiB: a protocol's opening (SSH banner, SIP request, TLS ClientHello) fits; an upload not.
   */
  static final int MAX_BYTES = 16 * 1024;

  private final ByteBufAllocator alloc;
  private CompositeByteBuf kept;
  private int bytes;
  private boolean replayable = true;

  ReplayBuffer(ByteBufAllocator alloc) {
    this.alloc = alloc;
  }

  /** Keeps a duplicate of {@code sent} while replay is still possible. */
  void keep(ByteBuf sent) {
    if (!replayable) {
      return;
    }
    if (bytes + sent.readableBytes() > MAX_BYTES) {
      drop();
      return;
    }
    if (kept == null) {
      kept = alloc.compositeBuffer();
    }
    kept.addComponent(true, sent.retainedDuplicate());
    bytes += sent.readableBytes();
  }

  /** Whether everything sent so far is kept. */
  boolean replayable() {
    return replayable;
  }

  /**
   * Hands over what was kept, followed by {@code later} (bytes read since), for the next server;
   * the buffer starts empty again for that server.
   */
  CompositeByteBuf takeFor(CompositeByteBuf later) {
    CompositeByteBuf taken = kept;
    kept = null;
    bytes = 0;
    if (taken == null) {
      return later;
    }
    if (later != null) {
      taken.addComponent(true, later);
    }
    return taken;
  }

  /** Gives up replay: the server answered, or the session ends. */
  void drop() {
    replayable = false;
    if (kept != null) {
      kept.release();
      kept = null;
    }
  }
}
