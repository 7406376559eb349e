package io.sluice.tls;

import io.sluice.config.TlsConfig;

/**
 * Who signs a listener's full handshakes, decided once at start.
 *
 * <ul>
 *   <li>{@code aws_lc}: AWS-LC on the crypto pool; {@code auto} picks it whenever it loads.
 *   <li>{@code boringssl}: BoringSSL with the key installed, on the event loop. Without AWS-LC,
 *       {@code auto} falls back to this rather than to the JDK on the crypto pool: per core,
 *       BoringSSL signs P-384 ~1.5x and P-256 ~15x faster than the JDK (~700 vs ~480 and ~17,000 vs
 *       ~1,150 per second, measured on 2-vCPU VMs), and a handshake storm is bounded by CPU, not by
 *       which thread spends it. The price: no shedding at the signature, and ~1.4 ms of event-loop
 *       time per P-384 handshake.
 *   <li>{@code jdk}: the JDK's providers on the crypto pool (asynchronous, sheds; slowest), or,
 *       with {@code provider: jdk}, the JDK's engine itself.
 * </ul>
 *
 * @param name the signer as the configuration spells it
 * @param jca the signer for the crypto pool; {@code null} when the TLS engine signs itself
 * @param fallbackReason why {@code auto} did not get AWS-LC, or {@code null}
 */
record SignerSelection(String name, JcaSigner jca, String fallbackReason) {
  private static final JcaSigner JDK_SIGNER = new JcaSigner(null, "jdk");

  boolean async() {
    return jca != null;
  }

  static SignerSelection choose(TlsConfig config) throws TlsSetupException {
    if (config.provider() == TlsConfig.TlsProvider.JDK) {
      return new SignerSelection("jdk", null, null);
    }
    return switch (config.signer()) {
      case AUTO ->
          AwsLc.provider() != null
              ? awsLc()
              : new SignerSelection(
                  "boringssl",
                  null,
                  "the Amazon Corretto Crypto Provider is unavailable: " + AwsLc.problem());
      case AWS_LC -> {
        if (AwsLc.provider() == null) {
          throw new TlsSetupException(
              "signer: aws_lc, but the Amazon Corretto Crypto Provider is unavailable: "
                  + AwsLc.problem()
                  + " (add its jar for this platform to the class path, or use signer: auto)");
        }
        yield awsLc();
      }
      case BORINGSSL -> new SignerSelection("boringssl", null, null);
      case JDK -> new SignerSelection("jdk", JDK_SIGNER, null);
    };
  }

  private static SignerSelection awsLc() {
    return new SignerSelection("aws_lc", AwsLcSigner.INSTANCE, null);
  }

  /** One AWS-LC signer per process, made on first use. */
  private static final class AwsLcSigner {
    static final JcaSigner INSTANCE = new JcaSigner(AwsLc.provider(), "aws_lc");
  }
}
