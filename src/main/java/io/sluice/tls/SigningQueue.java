package io.sluice.tls;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLEngine;

/**
 * One listener's signatures waiting or running in the crypto pool, at most {@code signing_queue} at
 * once. Past that a full handshake is refused at its signature, before any work is spent on it: a
 * deeper backlog would only make every waiting client later, and clients of a storm retry anyway.
 * Resumed handshakes sign nothing, so they go on while full ones are shed.
 *
 * <p>The engines refused are remembered until their handshake's failure is recorded, because
 * BoringSSL reports a failed private-key operation without the cause Sluice gave it.
 *
 * <p>Threads: {@link #tryEnter} and {@link #wasShed} run on event loops, {@link #leave} on crypto
 * workers; the count is an atomic (increment first, undo past the bound) and the set concurrent.
 */
final class SigningQueue {
  private final int limit;
  private final AtomicInteger outstanding = new AtomicInteger();
  private final Set<SSLEngine> shed = ConcurrentHashMap.newKeySet();

  SigningQueue(int limit) {
    this.limit = limit;
  }

  /** Takes a place for one signature of {@code engine}'s handshake, or marks it shed. */
  boolean tryEnter(SSLEngine engine) {
    if (outstanding.incrementAndGet() > limit) {
      outstanding.decrementAndGet();
      shed.add(engine);
      return false;
    }
    return true;
  }

  /** Gives back a place once its signature is done (or failed). */
  void leave() {
    outstanding.decrementAndGet();
  }

  /** Whether {@code engine}'s handshake was shed; forgets it, as each is asked about once. */
  boolean wasShed(SSLEngine engine) {
    return engine != null && shed.remove(engine);
  }

  int outstanding() {
    return outstanding.get();
  }
}
