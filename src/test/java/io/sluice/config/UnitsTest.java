package io.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class UnitsTest {

  @ParameterizedTest
  @CsvSource({
    "250us, PT0.00025S",
    "500ms, PT0.5S",
    "2s, PT2S",
    "1m, PT1M",
    "1h, PT1H",
    "1d, PT24H",
    "0, PT0S",
    "0s, PT0S"
  })
  void readsDurations(String text, Duration expected) {
    assertThat(DurationFormat.parse(text)).isEqualTo(expected);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"5 parsecs", "2", "1.5s", "-1s", "2S", "s", "", "99999999999999999999h", "2 s"})
  void rejectsDurationsWithoutAUnitOrWithAnUnknownOne(String text) {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> DurationFormat.parse(text))
        .withMessage("expected a duration such as 500ms or 2s, got '" + text + "'");
  }

  @Test
  void readsRates() {
    assertThat(Rate.parse("100/s")).isEqualTo(new Rate(100, Duration.ofSeconds(1)));
    assertThat(Rate.parse("4000/s").perSecond()).isEqualTo(4000.0);
    assertThat(Rate.parse("10/m")).isEqualTo(new Rate(10, Duration.ofMinutes(1)));
    assertThat(Rate.parse("10/m").perSecond()).isCloseTo(1.0 / 6, within(1e-12));
    assertThat(Rate.parse("7200/h").perSecond()).isEqualTo(2.0);
  }

  @ParameterizedTest
  @ValueSource(strings = {"100", "100/d", "100 per second", "/s", "1.5/s", "-1/s", "100/S"})
  void rejectsMalformedRates(String text) {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> Rate.parse(text))
        .withMessage("expected a rate such as 100/s or 10/m, got '" + text + "'");
  }

  @ParameterizedTest
  @CsvSource({
    "512B, 512",
    "16KiB, 16384",
    "1MiB, 1048576",
    "2GiB, 2147483648",
    "1TiB, 1099511627776",
    "64KB, 64000",
    "64kB, 64000",
    "10MB, 10000000",
    "3GB, 3000000000",
    "0, 0"
  })
  void readsSizes(String text, long bytes) {
    assertThat(DataSize.parse(text)).isEqualTo(new DataSize(bytes));
  }

  @ParameterizedTest
  @ValueSource(strings = {"16", "16kb", "16 KiB", "1.5MiB", "-1B", "16KIB", "9999999999TiB"})
  void rejectsMalformedSizes(String text) {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> DataSize.parse(text))
        .withMessage("expected a size such as 16KiB or 1MiB, got '" + text + "'");
  }
}
