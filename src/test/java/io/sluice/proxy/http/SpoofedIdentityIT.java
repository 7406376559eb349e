package io.sluice.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.runtime.SluiceRuntime;
import io.sluice.testing.Curl;
import io.sluice.testing.EchoHttpServer;
import io.sluice.testing.RuntimeTest;
import io.sluice.testing.TestConfigs;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A client that claims another identity in the headers Sluice vouches for: curl sends forged copies
 * of each, and the server behind sees only what Sluice says of the client.
 */
class SpoofedIdentityIT extends RuntimeTest {
  private static final List<String> FORGED =
      List.of(
          "X-Forwarded-For: 6.6.6.6",
          "X-Real-IP: 6.6.6.6",
          "Forwarded: for=6.6.6.6",
          "X-Forwarded-Proto: https",
          "X-Forwarded-Host: forged.test",
          "X-SSL-Cert: forged",
          "X-Forwarded-Tls-Client-Cert: forged",
          "X-SSL-Client-SHA256: forged",
          "X-Request-Id: forged-id",
          "Traceparent: forged",
          "Connection: keep-alive, X-Internal",
          "X-Internal: forged");

  private Map<String, String> serverSees(EchoHttpServer backend, String http) throws Exception {
    TestConfigs config = TestConfigs.http().server(backend.address());
    if (http != null) {
      config = config.listener("http", http);
    }
    sluice = SluiceRuntime.start(config.build(), 1);
    String url = "http://" + sluice.boundAddressTexts("front").get(0) + "/who";
    List<String> args = new java.util.ArrayList<>();
    for (String header : FORGED) {
      args.add("-H");
      args.add(header);
    }
    args.add(url);
    Curl.Result result = Curl.run(args.toArray(String[]::new));
    assertThat(result.exit()).isZero();
    assertThat(backend.seen()).hasSize(1);
    return backend.seen().get(0);
  }

  @Test
  void byDefaultServersSeeSluicesAddressLastAndNoForgedCertificateOrRealIp() throws Exception {
    EchoHttpServer backend = keep(EchoHttpServer.start("a"));

    Map<String, String> seen = serverSees(backend, null);

    // Appended: the client's own claim stays in the chain, Sluice's element is the last one.
    assertThat(seen).containsEntry("x-forwarded-for", "6.6.6.6, 127.0.0.1");
    assertThat(seen).containsEntry("x-forwarded-proto", "http");
    assertThat(seen).containsEntry("x-forwarded-host", "127.0.0.1");
    assertThat(seen)
        .doesNotContainKeys(
            "x-real-ip",
            "x-ssl-cert",
            "x-forwarded-tls-client-cert",
            "x-ssl-client-sha256",
            "x-internal",
            "connection");
    assertThat(seen.get("traceparent")).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01");
    // Kept by default, so a client's id follows its request.
    assertThat(seen).containsEntry("x-request-id", "forged-id");
  }

  @Test
  void replaceAndAnUntrustedRequestIdLeaveServersNothingOfTheClientsClaims() throws Exception {
    EchoHttpServer backend = keep(EchoHttpServer.start("a"));

    Map<String, String> seen =
        serverSees(
            backend,
            "{forwarded: {x_forwarded_for: replace, forwarded: true,"
                + " keep_client_request_id: false}}");

    assertThat(seen).containsEntry("x-forwarded-for", "127.0.0.1");
    assertThat(seen.get("forwarded")).endsWith(", for=127.0.0.1;proto=http;host=\"127.0.0.1\"");
    assertThat(seen.get("x-request-id")).matches("[0-9a-f]{16}");
    assertThat(seen).doesNotContainKeys("x-real-ip", "x-ssl-cert", "x-internal");
  }

  @Test
  void withXForwardedForOffAndNoForwardedTheClientsHeadersPassAsSent() throws Exception {
    EchoHttpServer backend = keep(EchoHttpServer.start("a"));

    Map<String, String> seen = serverSees(backend, "{forwarded: {x_forwarded_for: off}}");

    // Sluice says nothing of the client's address, so it leaves what a front proxy said alone.
    assertThat(seen).containsEntry("x-forwarded-for", "6.6.6.6");
    assertThat(seen).containsEntry("x-real-ip", "6.6.6.6");
    assertThat(seen).doesNotContainKeys("x-ssl-cert", "x-forwarded-tls-client-cert");
  }
}
