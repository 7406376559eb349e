package io.sluice.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.runtime.SluiceRuntime;
import io.sluice.testing.HttpBackend;
import io.sluice.testing.OcspResponderPeer;
import io.sluice.testing.OpensslClient;
import io.sluice.testing.RuntimeTest;
import io.sluice.testing.TestConfigs;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A TLS listener staples its certificate's OCSP status, fetched from the responder its authority
 * information access names (a real {@code openssl ocsp} with a CA index), and keeps it current: a
 * revocation shows after a refresh; a responder that goes away leaves the last good response.
 */
class OcspStaplingIT extends RuntimeTest {
  private static final byte[] REQUEST =
      "GET / HTTP/1.1\r\nHost: ocsp.test\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  @Test
  void staplesGoodThenRevokedAfterTheIndexChangesAndARefresh() throws Exception {
    OcspResponderPeer responder = keep(OcspResponderPeer.prepare("ocsp.test"));
    OcspResponderPeer.Issued issued = responder.issue("ocsp.test");
    responder.start();
    InetSocketAddress front = start(issued, "");

    await("a good response stapled")
        .atMost(Duration.ofSeconds(15))
        .until(() -> status(front, issued).contains("Cert Status: good"));
    assertThat(sluice.view().listeners().get(0).tls().ocspRefreshes().get("succeeded"))
        .isPositive();

    responder.revokeLeaf();

    // openssl's responder re-reads a changed index after it answers the next request, so the
    // refresh is asked again until an answer shows the revocation.
    await("a revoked response stapled")
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () -> {
              sluice.refreshOcsp();
              return status(front, issued).contains("Cert Status: revoked");
            });
  }

  @Test
  void keepsTheLastGoodResponseWhenTheResponderIsGone() throws Exception {
    OcspResponderPeer responder = keep(OcspResponderPeer.prepare("ocsp.test"));
    OcspResponderPeer.Issued issued = responder.issue("ocsp.test");
    responder.start();
    InetSocketAddress front = start(issued, "");
    await().atMost(Duration.ofSeconds(15)).until(() -> status(front, issued).contains("good"));

    responder.stop();
    sluice.refreshOcsp();

    await("the failed refresh counted")
        .atMost(Duration.ofSeconds(15))
        .until(() -> sluice.view().listeners().get(0).tls().ocspRefreshes().get("failed") > 0);
    assertThat(status(front, issued)).contains("Cert Status: good");
  }

  @Test
  void staplesNothingWhenStaplingIsOff() throws Exception {
    OcspResponderPeer responder = keep(OcspResponderPeer.prepare("ocsp.test"));
    OcspResponderPeer.Issued issued = responder.issue("ocsp.test");
    responder.start();
    InetSocketAddress front = start(issued, ", ocsp_stapling: false");
    Thread.sleep(1000);

    String output = status(front, issued);

    assertThat(output).contains("OCSP response: no response sent").contains(HttpBackend.BODY);
  }

  private InetSocketAddress start(OcspResponderPeer.Issued issued, String moreTls)
      throws Exception {
    HttpBackend backend = keep(new HttpBackend());
    TestConfigs config =
        TestConfigs.tcp()
            .tls(
                "{certificates: [{cert: \""
                    + issued.chain()
                    + "\", key: \""
                    + issued.key()
                    + "\"}]"
                    + moreTls
                    + "}")
            .server(backend.address());
    sluice = SluiceRuntime.start(config.build(), 2);
    return TlsTestBed.front(sluice);
  }

  private static String status(InetSocketAddress front, OcspResponderPeer.Issued issued) {
    return OpensslClient.run(
            front,
            REQUEST,
            "-status",
            "-servername",
            "ocsp.test",
            "-CAfile",
            issued.ca().toString())
        .output();
  }
}
