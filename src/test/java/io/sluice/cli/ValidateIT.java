package io.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testing.SluiceProcess;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line as an operator meets it: errors with file, line, column and key. */
class ValidateIT {
  @TempDir Path dir;

  private Path write(String yaml) throws Exception {
    Path file = dir.resolve("sluice.yaml");
    Files.writeString(file, yaml);
    return file;
  }

  @Test
  void validatePrintsEveryErrorWithItsLocationAndExitsTwo() throws Exception {
    Path config =
        write(
            """
            listeners:
              - name: git
                bind: [":2222"]
                pool: shh
                backlogg: 10
            pools:
              - name: ssh
                servers:
                  - {address: "127.0.0.1:22", weight: 0}
            """);
    try (SluiceProcess sluice = SluiceProcess.start(dir, "validate", "-c", config.toString())) {
      assertThat(sluice.awaitExit(Duration.ofSeconds(30))).isEqualTo(2);
      assertThat(sluice.stderr().lines())
          .containsExactly(
              config + ":4:5: listeners[0].pool: no pool named 'shh', did you mean 'ssh'?",
              config
                  + ":5:5: listeners[0].backlogg: unknown key 'backlogg', did you mean 'backlog'?",
              config + ":9:35: pools[0].servers[0].weight: expected 1 to 256, got 0");
    }
  }

  @Test
  void validateAcceptsAGoodFile() throws Exception {
    Path config =
        write(
            """
            listeners:
              - {name: git, bind: ["127.0.0.1:2222"], pool: ssh}
            pools:
              - {name: ssh, servers: [{address: "127.0.0.1:22"}]}
            """);
    try (SluiceProcess sluice = SluiceProcess.start(dir, "validate", "-c", config.toString())) {
      assertThat(sluice.awaitExit(Duration.ofSeconds(30))).isZero();
      assertThat(sluice.stdout()).contains("valid");
    }
  }

  @Test
  void runRefusesAnInvalidFileBeforeStartingAnything() throws Exception {
    Path config = write("listeners: []\npools: []\ndrain_timeout: soon\n");
    try (SluiceProcess sluice = SluiceProcess.start(dir, "run", "-c", config.toString())) {
      assertThat(sluice.awaitExit(Duration.ofSeconds(30))).isEqualTo(2);
      assertThat(sluice.stderr())
          .contains(
              config + ":3:1: drain_timeout: expected a duration such as 500ms or 2s, got 'soon'");
    }
  }

  @Test
  void runExitsThreeNamingTheAddressWhenABindFails() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Path config =
          write(
              """
              listeners:
                - {name: git, bind: ["127.0.0.1:%d"], pool: ssh, reuse_port: false}
              pools:
                - {name: ssh, servers: [{address: "127.0.0.1:22"}]}
              """
                  .formatted(taken.getLocalPort()));
      try (SluiceProcess sluice = SluiceProcess.start(dir, "run", "-c", config.toString())) {
        assertThat(sluice.awaitExit(Duration.ofSeconds(30))).isEqualTo(3);
        assertThat(sluice.stderr())
            .contains("listener 'git' cannot bind 127.0.0.1:" + taken.getLocalPort());
      }
    }
  }
}
