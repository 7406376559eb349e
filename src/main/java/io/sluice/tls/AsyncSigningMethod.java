package io.sluice.tls;

import io.netty.handler.ssl.OpenSslAsyncPrivateKeyMethod;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ImmediateEventExecutor;
import io.netty.util.concurrent.Promise;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.SignatureException;
import java.util.concurrent.RejectedExecutionException;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLHandshakeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * BoringSSL's asynchronous private-key method for one certificate: BoringSSL hands over the bytes
 * to sign and suspends the handshake; a crypto-pool worker signs them and Netty resumes the
 * handshake on its event loop. The context must be built keyless for BoringSSL to call this at all:
 * with a key of its own it signs itself and never calls the method.
 *
 * <p>Threads: {@link #sign} is called on the connection's event loop and returns at once; the
 * signature is computed on a crypto worker, which completes the returned future.
 */
final class AsyncSigningMethod implements OpenSslAsyncPrivateKeyMethod {
  private static final Logger log = LoggerFactory.getLogger(AsyncSigningMethod.class);

  /** What a shed signature fails with; BoringSSL drops it, so it carries no stack. */
  static final SSLHandshakeException SHED = new ShedException();

  private final PrivateKey key;
  private final JcaSigner signer;
  private final SigningPool pool;
  private final SigningQueue queue;
  private final TlsStats stats;

  AsyncSigningMethod(
      PrivateKey key, JcaSigner signer, SigningPool pool, SigningQueue queue, TlsStats stats) {
    this.key = key;
    this.signer = signer;
    this.pool = pool;
    this.queue = queue;
    this.stats = stats;
  }

  @Override
  public Future<byte[]> sign(SSLEngine engine, int signatureAlgorithm, byte[] input) {
    SignatureScheme scheme = SignatureScheme.of(signatureAlgorithm);
    if (scheme == null) {
      return ImmediateEventExecutor.INSTANCE.newFailedFuture(
          new SignatureException("no signer for TLS signature scheme " + signatureAlgorithm));
    }
    if (!queue.tryEnter(engine)) {
      return ImmediateEventExecutor.INSTANCE.newFailedFuture(SHED);
    }
    Promise<byte[]> signed = ImmediateEventExecutor.INSTANCE.newPromise();
    try {
      pool.execute(() -> compute(scheme, input, signed));
    } catch (RejectedExecutionException stopped) {
      queue.leave();
      signed.setFailure(stopped);
    }
    return signed;
  }

  private void compute(SignatureScheme scheme, byte[] input, Promise<byte[]> signed) {
    byte[] signature;
    try {
      signature = signer.sign(key, scheme, input);
    } catch (GeneralSecurityException | RuntimeException e) {
      queue.leave();
      log.warn("{} could not sign with {}", signer.name(), scheme, e);
      signed.setFailure(e);
      return;
    }
    // The place is free before the handshake resumes, so the next one may take it at once.
    queue.leave();
    stats.signed();
    signed.setSuccess(signature);
  }

  /** TLS 1.2 RSA key exchange, which Sluice's cipher suites never offer. */
  @Override
  public Future<byte[]> decrypt(SSLEngine engine, byte[] input) {
    return ImmediateEventExecutor.INSTANCE.newFailedFuture(
        new UnsupportedOperationException("RSA key exchange is not offered"));
  }

  private static final class ShedException extends SSLHandshakeException {
    ShedException() {
      super("shed: the signing queue is full");
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
      return this;
    }
  }
}
