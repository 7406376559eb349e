package io.sluice.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.config.Config;
import io.sluice.config.ConfigLoader;
import org.junit.jupiter.api.Test;

class ConfigDiffTest {
  private static Config parse(String yaml) {
    return ConfigLoader.parse(yaml, "test.yaml").config();
  }

  private static final String BASE =
      """
      listeners:
        - {name: web, bind: ["127.0.0.1:8080"], protocol: http, pool: app}
        - {name: ssh, bind: ["127.0.0.1:2222"], pool: git}
      pools:
        - name: app
          servers: [{address: "127.0.0.1:9001"}]
        - name: git
          servers: [{address: "127.0.0.1:9002"}]
      """;

  @Test
  void anIdenticalConfigurationChangesNothing() {
    ConfigDiff diff = ConfigDiff.between(parse(BASE), parse(BASE));

    assertThat(diff.isEmpty()).isTrue();
    assertThat(diff.summary()).isEqualTo("pools unchanged; listeners unchanged");
  }

  @Test
  void aChangedPoolRebuildsTheListenersThatSendToItOnly() {
    ConfigDiff diff =
        ConfigDiff.between(parse(BASE), parse(BASE.replace("9001\"}", "9001\", weight: 5}")));

    assertThat(diff.changedPools()).containsExactly("app");
    assertThat(diff.changedListeners()).isEmpty();
    assertThat(diff.listenersToRebuild()).containsExactly("web");
  }

  @Test
  void namesAddedRemovedAndChangedListenersAndPools() {
    String after =
        """
        listeners:
          - {name: web, bind: ["127.0.0.1:8081"], protocol: http, pool: app}
          - {name: sip, bind: ["127.0.0.1:5060"], pool: voice}
        pools:
          - name: app
            servers: [{address: "127.0.0.1:9001"}]
          - name: voice
            servers: [{address: "127.0.0.1:9003"}]
        """;

    ConfigDiff diff = ConfigDiff.between(parse(BASE), parse(after));

    assertThat(diff.addedPools()).containsExactly("voice");
    assertThat(diff.removedPools()).containsExactly("git");
    assertThat(diff.changedListeners()).containsExactly("web");
    assertThat(diff.addedListeners()).containsExactly("sip");
    assertThat(diff.removedListeners()).containsExactly("ssh");
    assertThat(diff.summary()).isEqualTo("pools +voice -git; listeners +sip ~web -ssh");
  }

  @Test
  void settingsOnlyARestartAppliesAreNamed() {
    ConfigDiff diff =
        ConfigDiff.between(parse(BASE), parse(BASE + "admin: {bind: \"127.0.0.1:9900\"}\n"));

    assertThat(diff.needRestart()).containsExactly("admin");
  }

  @Test
  void aReloadThatChangesUdpListenersIsRefusedOneThatKeepsThemIsNot() {
    String udp =
        BASE.replace(
            "pools:\n",
            "  - {name: sip, bind: [\"127.0.0.1:5060\"], protocol: udp, pool: git}\npools:\n");

    assertThat(ConfigDiff.refusals(parse(udp), parse(udp.replace("9002\"}", "9002\", weight: 3}"))))
        .isEmpty();
    assertThat(ConfigDiff.refusals(parse(BASE), parse(udp)))
        .containsExactly("udp listeners are added, removed or changed only at a restart");
    assertThat(ConfigDiff.refusals(parse(udp), parse(udp.replace("5060", "5061"))))
        .containsExactly("udp listeners are added, removed or changed only at a restart");
  }

  @Test
  void aReloadThatTouchesTheFleetIsRefused() {
    String fleet = BASE + "cluster: {redis: \"127.0.0.1:6379\", name: a}\n";

    assertThat(ConfigDiff.refusals(parse(BASE), parse(fleet)))
        .containsExactly("cluster is set, changed or removed only at a restart");
    assertThat(ConfigDiff.refusals(parse(fleet), parse(fleet.replace("9001", "9005"))))
        .hasSize(1)
        .allMatch(reason -> reason.startsWith("in fleet mode (cluster) listeners and pools"));
    assertThat(ConfigDiff.refusals(parse(fleet), parse(fleet + "drain_timeout: 5s\n"))).isEmpty();
  }

  @Test
  void watchdogTracingAndSelfProbeChangesApplyAtRestart() {
    ConfigDiff diff =
        ConfigDiff.between(
            parse(BASE), parse(BASE + "watchdog: {stall: 2s}\nself_probe: {enabled: true}\n"));

    assertThat(diff.needRestart()).containsExactly("watchdog", "self_probe");
  }
}
