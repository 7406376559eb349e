package io.sluice.config;

import static io.sluice.config.ConfigLoaderTest.errors;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
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

  @Test
  void reportsABadDurationInAFileAsAConfigError() {
    String yaml =
        """
        listeners:
          - name: git-ssh
            bind: [":2222"]
            pool: ssh
            timeouts: {idle: 5 parsecs, proxy_header: [5s]}
        pools:
          - {name: ssh, servers: [{address: "10.0.0.11:22"}]}
        drain_timeout: 30
        """;

    assertThat(errors(yaml))
        .containsExactly(
            "sluice.yaml:5:16: listeners[0].timeouts.idle: expected a duration such as 500ms or"
                + " 2s, got '5 parsecs'",
            "sluice.yaml:5:33: listeners[0].timeouts.proxy_header: expected a duration such as"
                + " 500ms or 2s, got a list",
            "sluice.yaml:8:1: drain_timeout: expected a duration such as 500ms or 2s, got '30'");
  }

  /** Rate and DataSize are in no record yet; a stand-in shows they bind like Duration does. */
  record Limits(Rate acceptRate, DataSize buffer) {}

  @Test
  void bindsRatesAndSizesFromYaml() throws IOException {
    Limits limits =
        ConfigLoader.MAPPER.readValue("accept_rate: 4000/s\nbuffer: 16KiB\n", Limits.class);

    assertThat(limits)
        .isEqualTo(new Limits(new Rate(4000, Duration.ofSeconds(1)), new DataSize(16_384)));
  }

  @Test
  void reportsBadRatesAndSizesToTheProblemHandler() throws IOException {
    CollectingProblemHandler handler = new CollectingProblemHandler();

    ConfigLoader.MAPPER
        .readerFor(Limits.class)
        .withHandler(handler)
        .readValue("accept_rate: fast\nbuffer: [16KiB]\n");

    assertThat(handler.problems())
        .containsExactly(
            new Problem("accept_rate", "expected a rate such as 100/s or 10/m, got 'fast'"),
            new Problem("buffer", "expected a size such as 16KiB or 1MiB, got a list"));
  }
}
