package io.sluice.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.config.AccessLogConfig;
import java.time.Instant;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class LineFormatTest {
  private static final ConnectionRecord RECORD =
      new ConnectionRecord(
          Instant.parse("2026-11-23T10:12:51.443Z").toEpochMilli(),
          "127.0.0.1:40312",
          "git-ssh",
          "ssh",
          "127.0.0.1:2201",
          0,
          1,
          5007,
          311,
          2120,
          TerminationState.SERVER_CLOSED_DURING_DATA,
          "TLSv1.3/full \"CN=a\\b\"");

  private static String format(LineFormat format, LogRecord record) {
    StringBuilder line = new StringBuilder();
    format.append(line, record);
    return line.toString();
  }

  @Test
  void tcplogIsTheHaproxyLineByteForByte() {
    StringBuilder expected = new StringBuilder();
    AccessLogFormat.tcpLog(expected, RECORD);
    assertThat(format(LineFormat.tcpLog(), RECORD)).isEqualTo(expected.toString());
  }

  @Test
  void jsonWritesEveryFieldWithNumbersBareAndTextEscaped() {
    assertThat(format(LineFormat.json(), RECORD))
        .isEqualTo(
            "{\"time\":\"2026-11-23T10:12:51.443Z\",\"accept_date\":\"23/Nov/2026:10:12:51.443\","
                + "\"client\":\"127.0.0.1:40312\",\"listener\":\"git-ssh\",\"pool\":\"ssh\","
                + "\"server\":\"127.0.0.1:2201\",\"tw\":0,\"tc\":1,\"tt\":5007,\"bytes_in\":311,"
                + "\"bytes_out\":2120,\"term\":\"SD\",\"tls\":\"TLSv1.3/full \\\"CN=a\\\\b\\\"\"}");
  }

  @Test
  void templateWritesNamedFieldsAndLiteralPercents() {
    LineFormat template = LineFormat.template("%{client} -> %{server} %{term} %{bytes_in}B 100%%");
    assertThat(format(template, RECORD))
        .isEqualTo("127.0.0.1:40312 -> 127.0.0.1:2201 SD 311B 100%");
  }

  @Test
  void templateRefusesAnUnknownField() {
    assertThatThrownBy(() -> LineFormat.template("%{client} %{nope}"))
        .hasMessageContaining("'nope'");
  }

  @Test
  void theConfigurationKnowsExactlyTheFieldsTheLogWrites() {
    assertThat(AccessLogConfig.FIELDS)
        .containsExactlyElementsOf(
            Arrays.stream(LogField.values()).map(LogField::yamlName).toList());
  }
}
