package io.sluice.tls;

import java.util.concurrent.atomic.LongAdder;

/**
 * One TLS listener's handshakes since start. Every client counts once: full or resumed when its
 * handshake succeeds, shed when it was refused a signature, failed otherwise (garbage, an alert, a
 * refused client certificate, a timeout, a client that left before finishing).
 *
 * <p>Threads: event loops and crypto workers add; anyone reads.
 */
public final class TlsStats {
  private final String signer;
  private final boolean signsOffEventLoop;
  private final LongAdder full = new LongAdder();
  private final LongAdder resumed = new LongAdder();
  private final LongAdder failed = new LongAdder();
  private final LongAdder shed = new LongAdder();
  private final LongAdder signatures = new LongAdder();

  TlsStats(String signer, boolean signsOffEventLoop) {
    this.signer = signer;
    this.signsOffEventLoop = signsOffEventLoop;
  }

  /** Who signs full handshakes: {@code aws_lc}, {@code boringssl} or {@code jdk}. */
  public String signer() {
    return signer;
  }

  /** Whether signatures run on the crypto pool (else inside the TLS engine, on the event loop). */
  public boolean signsOffEventLoop() {
    return signsOffEventLoop;
  }

  public long fullHandshakes() {
    return full.sum();
  }

  public long resumedHandshakes() {
    return resumed.sum();
  }

  public long failedHandshakes() {
    return failed.sum();
  }

  public long shedHandshakes() {
    return shed.sum();
  }

  /** Signatures the crypto pool computed: the proof the asynchronous method is in use. */
  public long signatures() {
    return signatures.sum();
  }

  void succeeded(boolean wasResumed) {
    (wasResumed ? resumed : full).increment();
  }

  void failed(boolean wasShed) {
    (wasShed ? shed : failed).increment();
  }

  void signed() {
    signatures.increment();
  }
}
