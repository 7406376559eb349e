package io.sluice.config;

import static io.sluice.config.ConfigLoaderTest.errors;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The access log's format, template and outputs as a configuration file gives them. */
class AccessLogConfigTest {
  private static final String REST =
      """
      listeners:
        - {name: git-ssh, bind: [":2222"], pool: ssh}
      pools:
        - {name: ssh, servers: [{address: "10.0.0.11:22"}]}
      """;

  @Test
  void readsAJsonLogToSyslogWithItsFacility() {
    String yaml =
        "access_log: {format: json, syslog: \"127.0.0.1:514\", facility: local3}\n" + REST;
    AccessLogConfig config = ConfigLoader.parse(yaml, "sluice.yaml").config().accessLog();
    assertThat(config.format()).isEqualTo(AccessLogConfig.Format.JSON);
    assertThat(config.syslog()).isEqualTo("127.0.0.1:514");
    assertThat(config.path()).isNull();
    assertThat(config.facility().code()).isEqualTo(19);
  }

  @Test
  void defaultsToTcplogOnStdoutForLocal0() {
    AccessLogConfig config = ConfigLoader.parse(REST, "sluice.yaml").config().accessLog();
    assertThat(config.format()).isEqualTo(AccessLogConfig.Format.TCPLOG);
    assertThat(config.path()).isEqualTo("stdout");
    assertThat(config.facility()).isEqualTo(AccessLogConfig.Facility.LOCAL0);
  }

  @Test
  void pointsAtTheUnknownFieldInsideTheTemplate() {
    String yaml =
        """
        access_log:
          format: custom
          template: "%{client} %{sever} 100%% %{term}"
        """
            + REST;
    assertThat(errors(yaml))
        .containsExactly(
            "sluice.yaml:3:24: access_log.template: unknown field '%{sever}' (did you mean"
                + " %{server}?); fields: "
                + String.join(", ", AccessLogConfig.FIELDS));
  }

  @Test
  void pointsAtAnUnknownFieldInASingleQuotedTemplate() {
    String yaml = "access_log: {format: custom, template: '%%{tt} %{bogus}'}\n" + REST;
    assertThat(errors(yaml)).hasSize(1);
    assertThat(errors(yaml).get(0)).startsWith("sluice.yaml:1:48: access_log.template: unknown");
  }

  @Test
  void reportsMissingTemplatesStrayTemplatesAndBadOutputs() {
    assertThat(errors("access_log: {format: custom}\n" + REST))
        .containsExactly(
            "sluice.yaml:1:1: access_log.template: format: custom needs a template, e.g. \"%{client}"
                + " %{term}\"");
    assertThat(errors("access_log: {template: \"%{client}\"}\n" + REST))
        .containsExactly(
            "sluice.yaml:1:14: access_log.template: a template is only read with format: custom");
    assertThat(errors("access_log: {path: /tmp/a.log, syslog: \"unix:/dev/log\"}\n" + REST))
        .containsExactly(
            "sluice.yaml:1:32: access_log.syslog: give either path or syslog, not both",
            "sluice.yaml:1:32: access_log.syslog: expected host:port of a syslog receiver (UDP),"
                + " got 'unix:/dev/log'");
    assertThat(errors("access_log: {facility: local9, format: xml}\n" + REST)).hasSize(2);
  }
}
