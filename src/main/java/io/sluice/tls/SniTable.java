package io.sluice.tls;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Which certificate serves which SNI name: an exact name first, then {@code *.parent} for a name
 * one label below {@code parent}, else the default, also for clients that send no SNI. Each step is
 * one hash lookup. Where two certificates claim a name, the first listed keeps it, so the order of
 * the file decides, as it does in nginx.
 *
 * <p>Immutable: built off the event loops, read by them through a volatile reference.
 */
final class SniTable {
  private final Map<String, LiveCertificate> exact = new HashMap<>();
  private final Map<String, LiveCertificate> wildcardParents = new HashMap<>();
  private final List<LiveCertificate> certificates;
  private final LiveCertificate fallback;

  /**
   * @param certificates in listener order, each with the names it serves (lower case)
   * @param fallback served for names none of them covers, and without SNI
   */
  SniTable(List<LiveCertificate> certificates, LiveCertificate fallback) {
    this.certificates = List.copyOf(certificates);
    this.fallback = fallback;
    for (LiveCertificate certificate : certificates) {
      for (String name : certificate.names()) {
        if (name.startsWith("*.")) {
          wildcardParents.putIfAbsent(name.substring(2), certificate);
        } else {
          exact.putIfAbsent(name, certificate);
        }
      }
    }
  }

  /**
   * The certificate that names {@code hostname} (lower case, as Netty's SNI handler passes it), or
   * {@code null} when only the default would serve it.
   */
  LiveCertificate covering(String hostname) {
    if (hostname == null) {
      return null;
    }
    LiveCertificate certificate = exact.get(hostname);
    if (certificate != null) {
      return certificate;
    }
    int dot = hostname.indexOf('.');
    return dot > 0 ? wildcardParents.get(hostname.substring(dot + 1)) : null;
  }

  LiveCertificate fallback() {
    return fallback;
  }

  /** Every certificate of the table, the default included, each once. */
  List<LiveCertificate> all() {
    if (certificates.contains(fallback)) {
      return certificates;
    }
    List<LiveCertificate> all = new java.util.ArrayList<>(certificates);
    all.add(fallback);
    return all;
  }

  /** Names as the table keys them. */
  static String normalize(String name) {
    return name.toLowerCase(Locale.ROOT);
  }
}
