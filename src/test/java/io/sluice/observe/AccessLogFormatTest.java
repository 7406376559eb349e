package io.sluice.observe;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class AccessLogFormatTest {
  @Test
  void writesHaproxyTcplogFieldsThenBytesFromTheClient() {
    ConnectionRecord record =
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
            null);
    StringBuilder line = new StringBuilder();
    AccessLogFormat.tcpLog(line, record);
    assertThat(line)
        .hasToString(
            "127.0.0.1:40312 [23/Nov/2026:10:12:51.443] git-ssh ssh/127.0.0.1:2201 0/1/5007 2120 SD"
                + " 311");
  }

  @Test
  void addsTheTlsOutcomeInBracesOnTlsListeners() {
    ConnectionRecord record =
        new ConnectionRecord(
            Instant.parse("2026-11-23T10:12:51.443Z").toEpochMilli(),
            "127.0.0.1:40312",
            "disco",
            "discosrv",
            "<NOSRV>",
            -1,
            -1,
            12,
            517,
            0,
            TerminationState.CLIENT_ABORTED_DURING_REQUEST,
            "!NOT_TLS");
    StringBuilder line = new StringBuilder();
    AccessLogFormat.tcpLog(line, record);
    assertThat(line)
        .hasToString(
            "127.0.0.1:40312 [23/Nov/2026:10:12:51.443] disco discosrv/<NOSRV> -1/-1/12 0 CR 517"
                + " {!NOT_TLS}");
  }

  @Test
  void everyTerminationCodeIsTwoCharacters() {
    for (TerminationState state : TerminationState.values()) {
      assertThat(state.code()).hasSize(2);
    }
  }
}
