package io.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testing.SluiceProcess;
import io.sluice.testing.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The commented examples pass {@code sluice validate} as they are shipped. */
class ExamplesIT {
  @TempDir Path dir;

  @Test
  void theSipExampleValidates() throws Exception {
    // The example names the certificate files of a real host; validation reads them, so here they
    // are stand-ins made for the test.
    TestCertificates certificates = new TestCertificates(dir);
    TestCertificates.Issued issued =
        certificates.selfSigned(
            "sip.example.com", TestCertificates.KeyType.P256, "sip.example.com");
    String yaml =
        Files.readString(Path.of("examples/sip.yaml"))
            .replace("/etc/sluice/certs/sip.example.com.pem", issued.cert().toString())
            .replace("/etc/sluice/certs/sip.example.com-key.pem", issued.key().toString());
    Path config = dir.resolve("sip.yaml");
    Files.writeString(config, yaml);

    try (SluiceProcess sluice = SluiceProcess.start(dir, "validate", "-c", config.toString())) {
      assertThat(sluice.awaitExit(Duration.ofSeconds(30))).isZero();
      assertThat(sluice.stderr()).isEmpty();
    }
  }
}
