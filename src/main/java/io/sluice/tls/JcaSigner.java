package io.sluice.tls;

import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.Signature;

/**
 * Computes handshake signatures with one JCA provider: AWS-LC through the Amazon Corretto Crypto
 * Provider, or the JDK's own. A {@link Signature} is not thread-safe and looking one up costs a
 * provider search, so each crypto worker keeps one per scheme and re-initializes it with the key of
 * each job (cheap next to the signature itself).
 *
 * <p>Threads: {@link #sign} runs on crypto-pool workers only; the per-thread objects never cross.
 */
final class JcaSigner {
  /** {@code null}: the JDK's providers, in their configured order. */
  private final Provider provider;

  private final String name;
  private final ThreadLocal<Signature[]> signatures =
      ThreadLocal.withInitial(() -> new Signature[SignatureScheme.values().length]);

  JcaSigner(Provider provider, String name) {
    this.provider = provider;
    this.name = name;
  }

  /** The signer's name as the configuration spells it: {@code aws_lc} or {@code jdk}. */
  String name() {
    return name;
  }

  /** Signs {@code input} (the message itself, which the scheme hashes) with {@code key}. */
  byte[] sign(PrivateKey key, SignatureScheme scheme, byte[] input)
      throws GeneralSecurityException {
    Signature[] mine = signatures.get();
    Signature signature = mine[scheme.ordinal()];
    if (signature == null) {
      signature =
          provider == null
              ? Signature.getInstance(scheme.jcaAlgorithm)
              : Signature.getInstance(scheme.jcaAlgorithm, provider);
      mine[scheme.ordinal()] = signature;
    }
    signature.initSign(key);
    if (scheme.parameters != null) {
      signature.setParameter(scheme.parameters);
    }
    signature.update(input);
    return signature.sign();
  }
}
