package io.sluice.tls;

import java.security.GeneralSecurityException;
import java.security.KeyPairGenerator;
import java.security.Provider;
import java.security.Security;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;

/**
 * The Amazon Corretto Crypto Provider (AWS-LC), loaded if it is there: P-384 signatures ~10x faster
 * than BoringSSL's generic code. The Linux x86-64 build ships in Sluice's jar; on other platforms,
 * or when its native library does not load, Sluice falls back to another signer.
 *
 * <p>Loaded once per process, on first use, by the control thread; immutable after.
 */
final class AwsLc {
  private static final String PROVIDER_NAME = "AmazonCorrettoCryptoProvider";
  private static final String PROVIDER_CLASS =
      "com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider";

  private static final AwsLc INSTANCE = load();

  /** The provider, or {@code null} with {@link #problem} saying why not. */
  private final Provider provider;

  private final String problem;

  private AwsLc(Provider provider, String problem) {
    this.provider = provider;
    this.problem = problem;
  }

  static Provider provider() {
    return INSTANCE.provider;
  }

  /** Why the provider is not available, for the start-up log line. */
  static String problem() {
    return INSTANCE.problem;
  }

  private static AwsLc load() {
    Provider provider = Security.getProvider(PROVIDER_NAME);
    try {
      if (provider == null) {
        Class<?> type = Class.forName(PROVIDER_CLASS);
        provider = (Provider) type.getField("INSTANCE").get(null);
        Object error = type.getMethod("getLoadingError").invoke(provider);
        if (error != null) {
          return new AwsLc(null, "its native library did not load: " + error);
        }
      }
      proveItSigns(provider);
      return new AwsLc(provider, null);
    } catch (ClassNotFoundException e) {
      return new AwsLc(null, "it is not on the class path");
    } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
      return new AwsLc(null, e.toString());
    } catch (GeneralSecurityException e) {
      return new AwsLc(null, "it cannot sign with P-384: " + e.getMessage());
    }
  }

  /** A provider that registers but cannot sign P-384 is no use for this workload. */
  private static void proveItSigns(Provider provider) throws GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC", provider);
    generator.initialize(new ECGenParameterSpec("secp384r1"));
    Signature signature = Signature.getInstance("SHA384withECDSA", provider);
    signature.initSign(generator.generateKeyPair().getPrivate());
    signature.update(new byte[32]);
    signature.sign();
  }
}
