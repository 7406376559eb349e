package io.sluice.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The checks of a TLS listener's {@code acme} block: URLs, names a CA can validate, a storage
 * directory Sluice can write, and ranges of the renewal schedule and on-demand bounds.
 *
 * <p>Not thread-safe: one instance per validation.
 */
final class AcmeChecks {
  /** A DNS name of letters, digits and hyphens (no wildcard: no challenge here can prove one). */
  private static final Pattern DOMAIN =
      Pattern.compile(
          "([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?",
          Pattern.CASE_INSENSITIVE);

  private static final Pattern ALLOWED =
      Pattern.compile(
          "(\\*\\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?",
          Pattern.CASE_INSENSITIVE);

  private static final Pattern EMAIL = Pattern.compile("[^@\\s]+@[^@\\s]+");

  private final List<Problem> problems = new ArrayList<>();

  private AcmeChecks() {}

  /**
   * @param path the key path of the listener's {@code tls.acme}
   * @param httpListener whether the file has an {@code http} listener, which HTTP-01 needs
   */
  static List<Problem> check(String path, AcmeConfig acme, TlsConfig tls, boolean httpListener) {
    AcmeChecks checks = new AcmeChecks();
    checks.checkUrl(KeyPath.child(path, "directory"), acme.directory(), true);
    if (acme.email() != null && !EMAIL.matcher(acme.email()).matches()) {
      checks.report(
          KeyPath.child(path, "email"), "expected an email address, got '" + acme.email() + "'");
    }
    checks.checkDomains(KeyPath.child(path, "domains"), acme);
    checks.checkStorage(KeyPath.child(path, "storage"), acme.storage());
    if (acme.trustCa() != null && !Files.isReadable(Path.of(acme.trustCa()))) {
      checks.report(KeyPath.child(path, "trust_ca"), "cannot read '" + acme.trustCa() + "'");
    }
    if (acme.challenge() == AcmeConfig.Challenge.HTTP_01 && !httpListener) {
      checks.report(
          KeyPath.child(path, "challenge"),
          "http-01 is answered by an http listener, and there is none (use tls-alpn-01, or add"
              + " one on port 80)");
    }
    if (tls.provider() == TlsConfig.TlsProvider.JDK) {
      checks.report(path, "acme needs provider: boringssl (TLS-ALPN-01 and stapling use it)");
    }
    double renewAt = acme.renewAt().value();
    if (renewAt < 10 || renewAt > 95) {
      checks.report(KeyPath.child(path, "renew_at"), "expected 10% to 95% of the lifetime");
    }
    if (acme.renewJitter().value() > renewAt / 2) {
      checks.report(
          KeyPath.child(path, "renew_jitter"), "expected at most half of renew_at, got more");
    }
    checks.checkPositive(KeyPath.child(path, "timeout"), acme.timeout());
    checks.checkPositive(KeyPath.child(path, "retry_min"), acme.retryMin());
    checks.checkPositive(KeyPath.child(path, "retry_max"), acme.retryMax());
    if (acme.retryMax().compareTo(acme.retryMin()) < 0) {
      checks.report(KeyPath.child(path, "retry_max"), "expected at least retry_min");
    }
    if (acme.onDemand() != null) {
      checks.checkOnDemand(KeyPath.child(path, "on_demand"), acme.onDemand(), tls);
    }
    return checks.problems;
  }

  private void checkDomains(String path, AcmeConfig acme) {
    if (acme.domains().isEmpty() && acme.onDemand() == null) {
      report(path, "at least one domain is required (or on_demand)");
    }
    for (int i = 0; i < acme.domains().size(); i++) {
      String domain = acme.domains().get(i);
      if (domain == null || domain.length() > 253 || !DOMAIN.matcher(domain).matches()) {
        report(
            KeyPath.item(path, i),
            "expected a host name (no wildcard: tls-alpn-01 and http-01 cannot prove one), got '"
                + domain
                + "'");
      }
    }
  }

  private void checkStorage(String path, String storage) {
    if (storage == null || storage.isBlank()) {
      report(path, "a directory for the account key and certificates is required");
      return;
    }
    Path dir = Path.of(storage);
    Path existing = dir.toAbsolutePath();
    while (existing != null && !Files.exists(existing)) {
      existing = existing.getParent();
    }
    if (existing == null || !Files.isDirectory(existing) || !Files.isWritable(existing)) {
      report(path, "cannot create or write the directory '" + storage + "'");
    }
  }

  private void checkOnDemand(String path, AcmeConfig.OnDemandConfig onDemand, TlsConfig tls) {
    if (onDemand.allow().isEmpty()) {
      report(KeyPath.child(path, "allow"), "at least one name or *.domain is required");
    }
    for (int i = 0; i < onDemand.allow().size(); i++) {
      String name = onDemand.allow().get(i);
      if (name == null || name.length() > 253 || !ALLOWED.matcher(name).matches()) {
        report(
            KeyPath.item(KeyPath.child(path, "allow"), i),
            "expected a host name or *.domain, got '" + name + "'");
      }
    }
    if (onDemand.ask() != null) {
      checkUrl(KeyPath.child(path, "ask"), onDemand.ask(), false);
    }
    checkPositive(KeyPath.child(path, "wait"), onDemand.handshakeWait());
    if (onDemand.handshakeWait().compareTo(tls.handshakeTimeout()) >= 0) {
      report(KeyPath.child(path, "wait"), "expected less than tls.handshake_timeout");
    }
    if (onDemand.maxPending() < 1 || onDemand.maxPending() > 1000) {
      report(KeyPath.child(path, "max_pending"), "expected 1 to 1000");
    }
    if (onDemand.rate().count() < 1) {
      report(KeyPath.child(path, "rate"), "expected at least one name per period");
    }
  }

  private void checkUrl(String path, String url, boolean httpsOnly) {
    String expected = httpsOnly ? "an https URL" : "an http or https URL";
    if (url == null || url.isBlank()) {
      report(path, expected + " is required");
      return;
    }
    try {
      URI uri = new URI(url);
      boolean scheme =
          "https".equals(uri.getScheme()) || (!httpsOnly && "http".equals(uri.getScheme()));
      if (!scheme || uri.getHost() == null) {
        report(path, "expected " + expected + ", got '" + url + "'");
      }
    } catch (URISyntaxException e) {
      report(path, "expected " + expected + ", got '" + url + "'");
    }
  }

  private void checkPositive(String path, Duration duration) {
    if (duration.isZero() || duration.isNegative()) {
      report(path, "expected a duration greater than 0");
    }
  }

  private void report(String path, String message) {
    problems.add(new Problem(path, message));
  }
}
