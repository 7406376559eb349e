package io.sluice.tls;

import io.netty.handler.ssl.SslContext;
import io.sluice.config.AcmeConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.shredzone.acme4j.AccountBuilder;
import org.shredzone.acme4j.Authorization;
import org.shredzone.acme4j.Login;
import org.shredzone.acme4j.Order;
import org.shredzone.acme4j.Problem;
import org.shredzone.acme4j.Session;
import org.shredzone.acme4j.Status;
import org.shredzone.acme4j.challenge.Challenge;
import org.shredzone.acme4j.challenge.Http01Challenge;
import org.shredzone.acme4j.challenge.TlsAlpn01Challenge;
import org.shredzone.acme4j.connector.NetworkSettings;
import org.shredzone.acme4j.exception.AcmeException;
import org.shredzone.acme4j.exception.AcmeServerException;
import org.shredzone.acme4j.provider.GenericAcmeProvider;

/**
 * Orders one certificate from the ACME CA through acme4j: registers (or finds) the account of the
 * stored key, answers each authorization's challenge through {@link AcmeChallenges}, finalizes with
 * a fresh P-256 key and downloads the chain. Every wait is bounded by {@code acme.timeout}.
 *
 * <p>Threads: the listener's certificate threads; blocking. The account login is shared by them
 * under this object's lock, which no order holds while it waits.
 */
final class AcmeClient {
  /** The outcome of a failed order, with the CA's problem document when it sent one. */
  static final class OrderFailure extends Exception {
    private static final long serialVersionUID = 1L;

    OrderFailure(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private final AcmeConfig config;
  private final AcmeStorage storage;
  private final AcmeChallenges challenges;
  private final SSLContext trust;
  private Login login;

  AcmeClient(AcmeConfig config, AcmeStorage storage, AcmeChallenges challenges)
      throws TlsSetupException {
    this.config = config;
    this.storage = storage;
    this.challenges = challenges;
    this.trust = config.trustCa() == null ? null : trustOnly(Path.of(config.trustCa()));
  }

  /** Orders a certificate for {@code names} (the first is its id). */
  ServerCertificate order(List<String> names) throws OrderFailure, InterruptedException {
    try {
      Order order = login().newOrder().domains(names).create();
      for (Authorization authorization : order.getAuthorizations()) {
        if (authorization.getStatus() != Status.VALID) {
          authorize(authorization);
        }
      }
      if (order.waitUntilReady(config.timeout()) != Status.READY) {
        throw new OrderFailure("the order is not ready: " + problem(order.getError()), null);
      }
      KeyPair key = AcmeStorage.newKeyPair();
      order.execute(key);
      if (order.waitForCompletion(config.timeout()) != Status.VALID) {
        throw new OrderFailure("the order failed: " + problem(order.getError()), null);
      }
      List<X509Certificate> chain = order.getCertificate().getCertificateChain();
      return new ServerCertificate(chain, key.getPrivate(), names);
    } catch (AcmeServerException e) {
      forgetLogin();
      throw new OrderFailure(
          "the CA refused: " + e.getProblem().asJSON().toString().replace('\n', ' '), e);
    } catch (AcmeException | IOException | RuntimeException e) {
      forgetLogin();
      throw new OrderFailure(e.getClass().getSimpleName() + ": " + e.getMessage(), e);
    }
  }

  private void authorize(Authorization authorization)
      throws AcmeException, OrderFailure, InterruptedException {
    String name = authorization.getIdentifier().getDomain();
    Challenge challenge;
    Runnable withdraw;
    if (config.challenge() == AcmeConfig.Challenge.HTTP_01) {
      Http01Challenge http =
          authorization
              .findChallenge(Http01Challenge.class)
              .orElseThrow(
                  () -> new OrderFailure("the CA offers no http-01 challenge for " + name, null));
      challenges.offerHttp01(http.getToken(), http.getAuthorization());
      challenge = http;
      withdraw = () -> challenges.withdrawHttp01(http.getToken());
    } else {
      TlsAlpn01Challenge alpn =
          authorization
              .findChallenge(TlsAlpn01Challenge.class)
              .orElseThrow(
                  () ->
                      new OrderFailure("the CA offers no tls-alpn-01 challenge for " + name, null));
      KeyPair key = challengeKey();
      X509Certificate certificate = alpn.createCertificate(key, authorization.getIdentifier());
      SslContext context;
      try {
        context = ContextFactory.challenge(certificate, key.getPrivate());
      } catch (TlsSetupException e) {
        throw new OrderFailure(e.getMessage(), e);
      }
      challenges.offerTlsAlpn01(name, context);
      challenge = alpn;
      withdraw = () -> challenges.withdrawTlsAlpn01(name, context);
    }
    try {
      challenge.trigger();
      if (challenge.waitForCompletion(config.timeout()) != Status.VALID) {
        throw new OrderFailure(
            config.challenge().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-')
                + " for "
                + name
                + " failed: "
                + problem(challenge.getError()),
            null);
      }
    } finally {
      withdraw.run();
    }
  }

  /** acme4j signs the challenge certificate with SHA256withRSA: its key must be RSA. */
  private static KeyPair challengeKey() {
    try {
      java.security.KeyPairGenerator generator = java.security.KeyPairGenerator.getInstance("RSA");
      generator.initialize(2048);
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every JDK makes RSA keys", e);
    }
  }

  private synchronized Login login() throws AcmeException, IOException {
    if (login == null) {
      Session session = new Session(URI.create(config.directory()), new Provider(trust));
      AccountBuilder account =
          new AccountBuilder().agreeToTermsOfService().useKeyPair(storage.accountKey());
      if (config.email() != null) {
        account.addEmail(config.email());
      }
      login = account.createLogin(session);
    }
    return login;
  }

  /** After a failure, the next order logs in again: the CA may have forgotten the account. */
  private synchronized void forgetLogin() {
    login = null;
  }

  private static String problem(java.util.Optional<Problem> problem) {
    return problem
        .map(p -> p.asJSON().toString().replace('\n', ' '))
        .orElse("(no problem document)");
  }

  private static SSLContext trustOnly(Path caFile) throws TlsSetupException {
    try {
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      int i = 0;
      for (X509Certificate ca : PemFiles.certificates(caFile)) {
        store.setCertificateEntry("ca" + i++, ca);
      }
      TrustManagerFactory factory =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init(store);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, factory.getTrustManagers(), null);
      return context;
    } catch (GeneralSecurityException | IOException e) {
      throw new TlsSetupException(
          "cannot use '" + caFile + "' as the ACME CA's trust: " + e.getMessage(), e);
    }
  }

  /** acme4j's generic provider, trusting {@code trust_ca} when given. */
  private static final class Provider extends GenericAcmeProvider {
    private final SSLContext trust;

    Provider(SSLContext trust) {
      this.trust = trust;
    }

    @Override
    public HttpClient createHttpClient(NetworkSettings settings) {
      HttpClient.Builder builder =
          HttpClient.newBuilder()
              .followRedirects(HttpClient.Redirect.NORMAL)
              .connectTimeout(settings.getTimeout())
              .proxy(settings.getProxySelector());
      if (trust != null) {
        builder.sslContext(trust);
      }
      return builder.build();
    }
  }
}
