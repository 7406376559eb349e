package io.sluice.pool;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ServerStatsTest {
  @Test
  void countsResponsesByStatusClassAndOddStatusesApart() {
    ServerStats stats = new ServerStats();
    for (int status : new int[] {101, 200, 204, 204, 301, 404, 429, 500, 503, 599, 600, 99, 999}) {
      stats.response(status);
    }
    assertThat(stats.responses(1)).isEqualTo(1);
    assertThat(stats.responses(2)).isEqualTo(3);
    assertThat(stats.responses(3)).isEqualTo(1);
    assertThat(stats.responses(4)).isEqualTo(2);
    assertThat(stats.responses(5)).isEqualTo(3);
    assertThat(stats.responses(ServerStats.OTHER_CLASS)).isEqualTo(3);
  }

  @Test
  void aServerKeepsItsFiguresForAsLongAsItLives() {
    Server server = new Server("s", null, 1, 0, false, false);
    server.stats().connect(2_000_000);
    server.reconfigure(5, 10, false, false);
    assertThat(server.stats().connect().count()).isEqualTo(1);
    assertThat(server.stats().connect().sumNanos()).isEqualTo(2_000_000);
  }
}
