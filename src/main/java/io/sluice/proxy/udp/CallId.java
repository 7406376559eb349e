package io.sluice.proxy.udp;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A SIP Call-ID as a flow-table key. The relay keeps one mutable instance as a probe, loaded from
 * each datagram in place (a copy into its own array, no allocation), and stores an immutable copy
 * per flow: a lookup allocates nothing, a new flow one small array.
 *
 * <p>Threads: a probe belongs to one event loop.
 */
final class CallId {
  /**
   * Call-IDs are a random part and a host, typically 20 to 80 bytes; only the first 256 take part
   * in the key, which is plenty to tell dialogs apart.
   */
  static final int MAX_KEY_BYTES = 256;

  private final byte[] bytes;
  private int length;
  private int hash;

  private CallId(byte[] bytes, int length, int hash) {
    this.bytes = bytes;
    this.length = length;
    this.hash = hash;
  }

  static CallId probe() {
    return new CallId(new byte[MAX_KEY_BYTES], 0, 0);
  }

  /** Loads {@code length} bytes of {@code message} at {@code offset} into this probe. */
  CallId load(ByteBuf message, int offset, int length) {
    this.length = Math.min(length, MAX_KEY_BYTES);
    message.getBytes(offset, bytes, 0, this.length);
    int h = 1;
    for (int i = 0; i < this.length; i++) {
      h = 31 * h + bytes[i];
    }
    this.hash = h;
    return this;
  }

  /** An immutable copy to store as a key. */
  CallId copy() {
    return new CallId(Arrays.copyOf(bytes, length), length, hash);
  }

  /** A well-spread hash for balancers that hash (source_hash). */
  long spreadHash() {
    return hash * 0x9E3779B97F4A7C15L;
  }

  @Override
  public int hashCode() {
    return hash;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof CallId that
        && that.length == length
        && that.hash == hash
        && Arrays.equals(bytes, 0, length, that.bytes, 0, length);
  }

  @Override
  public String toString() {
    return new String(bytes, 0, length, StandardCharsets.ISO_8859_1);
  }
}
