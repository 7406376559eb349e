package io.sluice.tls;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * One certificate chain, its private key and the SNI names it serves, as read from disk.
 *
 * @param chain the leaf first, then intermediates
 * @param names lower-case exact names and {@code *.parent} wildcards
 */
record ServerCertificate(List<X509Certificate> chain, PrivateKey key, List<String> names) {
  ServerCertificate {
    chain = List.copyOf(chain);
    names = List.copyOf(names);
  }

  X509Certificate leaf() {
    return chain.get(0);
  }

  /** Never the key: a record prints every field, and this one may end up in a log line. */
  @Override
  public String toString() {
    return "ServerCertificate[leaf="
        + leaf().getSubjectX500Principal().getName()
        + ", key="
        + key.getAlgorithm()
        + " (not shown), names="
        + names
        + "]";
  }

  /** {@code EC} or {@code RSA}: which signature schemes the key can make. */
  String keyAlgorithm() {
    return key.getAlgorithm();
  }
}
