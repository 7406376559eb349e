package io.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testing.Peers;
import io.sluice.testing.SluiceProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoIT {
  @Test
  void demoBalancesCurlRequestsOverItsThreeBackendsAndStopsCleanly(@TempDir Path dir)
      throws Exception {
    String curl = Peers.require("curl");
    try (SluiceProcess sluice =
        SluiceProcess.start(dir, "demo", "--port", "0", "--admin-port", "0")) {
      String address =
          sluice.awaitOutput("listener 'demo' on (127\\.0\\.0\\.1:\\d+)", Duration.ofSeconds(30));

      Set<String> answers = new HashSet<>();
      for (int i = 0; i < 3; i++) {
        Process request =
            new ProcessBuilder(curl, "-s", "-m", "5", "http://" + address + "/").start();
        assertThat(request.waitFor(10, TimeUnit.SECONDS)).isTrue();
        answers.add(new String(request.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
      }
      assertThat(answers)
          .containsExactlyInAnyOrder(
              "hello from backend-1\n", "hello from backend-2\n", "hello from backend-3\n");

      String admin =
          sluice.awaitOutput(
              "curl -s http://(127\\.0\\.0\\.1:\\d+)/api/view", Duration.ofSeconds(5));
      Process view =
          new ProcessBuilder(curl, "-s", "-m", "5", "http://" + admin + "/api/view").start();
      assertThat(view.waitFor(10, TimeUnit.SECONDS)).isTrue();
      assertThat(new String(view.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
          .contains("\"pools\":[{\"name\":\"demo-backends\"");
      String dashboard =
          sluice.awaitOutput(
              "The dashboard: (http://127\\.0\\.0\\.1:\\d+/)", Duration.ofSeconds(5));
      Process page = new ProcessBuilder(curl, "-s", "-m", "5", dashboard).start();
      assertThat(page.waitFor(10, TimeUnit.SECONDS)).isTrue();
      assertThat(new String(page.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
          .contains("<title>Sluice</title>");

      sluice.terminate();
      assertThat(sluice.awaitExit(Duration.ofSeconds(15))).isZero();
      assertThat(sluice.stdout()).contains(" demo demo-backends/127.0.0.1:").contains(" -- ");
    }
  }
}
