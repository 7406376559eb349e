package io.sluice.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.config.DurationRange;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class LocalResponsesTest {

  @Test
  void aMeasuredRetryAfterIsBroughtWithinTheConfiguredRangeAndIsAlwaysPrepared() {
    LocalResponses answers =
        new LocalResponses(429, new DurationRange(Duration.ofSeconds(2), Duration.ofSeconds(30)));
    assertThat(answers.nearestPrepared(0.3)).isEqualTo(2);
    assertThat(answers.nearestPrepared(7.4)).isEqualTo(7);
    assertThat(answers.nearestPrepared(500)).isEqualTo(30);
    for (double seconds = 0; seconds < 40; seconds += 0.25) {
      int chosen = answers.nearestPrepared(seconds);
      assertThat(answers.overloadH1(chosen).readableBytes()).isPositive();
    }
  }

  @Test
  void aWideRangeSnapsToItsPreparedValues() {
    LocalResponses answers =
        new LocalResponses(503, new DurationRange(Duration.ofSeconds(1), Duration.ofHours(1)));
    int chosen = answers.nearestPrepared(1_000);
    assertThat(Math.abs(chosen - 1_000)).isLessThan(3_600 / LocalResponses.VARIANTS + 1);
    assertThat(answers.overloadH1(chosen).readableBytes()).isPositive();
  }
}
