package io.sluice.config;

import static io.sluice.config.ConfigLoaderTest.errors;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Errors found while binding YAML to the records: keys, types and YAML features not accepted. */
class ConfigBindingErrorsTest {

  /** A valid pools section, so each test's listener is the only thing wrong. */
  private static final String POOLS =
      """
      pools:
        - {name: ssh, servers: [{address: "10.0.0.11:22"}]}
      """;

  @Test
  void reportsUnknownKeyWithSuggestionAndLocation() {
    String yaml =
        """
        listeners:
          - name: git-ssh
            bind: [":2222"]
            pool: ssh
            max_conections: 10
        """
            + POOLS;

    assertThat(errors(yaml))
        .containsExactly(
            "sluice.yaml:5:5: listeners[0].max_conections: unknown key 'max_conections', did you"
                + " mean 'max_connections'?");
  }

  @Test
  void suggestsTheSnakeCaseKeyForACamelCaseOne() {
    String yaml =
        """
        listeners:
          - {name: git-ssh, bind: [":2222"], pool: ssh, acceptProxy: true}
        """
            + POOLS;

    assertThat(errors(yaml))
        .containsExactly(
            "sluice.yaml:2:49: listeners[0].acceptProxy: unknown key 'acceptProxy', did you mean"
                + " 'accept_proxy'?");
  }

  @Test
  void listsTheKnownKeysWhenNoneIsClose() {
    String yaml =
        """
        listeners:
          - name: git-ssh
            bind: [":2222"]
            pool: ssh
            colour: {shade: blue}
        """
            + POOLS;

    assertThat(errors(yaml))
        .containsExactly(
            "sluice.yaml:5:5: listeners[0].colour: unknown key 'colour' (known keys: name, bind,"
                + " protocol, pool, accept_proxy, backlog, reuse_port, max_connections,"
                + " timeouts, accept_rate, accept_burst, accept_rate_scope, tls, sni_routes, http,"
                + " routes, udp, splice)");
  }

  @Test
  void reportsUnknownKeysAtTheTopAndDeepDown() {
    String yaml =
        """
        listeners:
          - name: git-ssh
            bind: [":2222"]
            pool: ssh
            timeouts: {idel: 1m}
        pools:
          - name: ssh
            servers: [{adress: "10.0.0.11:22", address: "10.0.0.12:22"}]
        drain_timout: 5s
        """;

    assertThat(errors(yaml))
        .containsExactly(
            "sluice.yaml:5:16: listeners[0].timeouts.idel: unknown key 'idel', did you mean"
                + " 'idle'?",
            "sluice.yaml:8:16: pools[0].servers[0].adress: unknown key 'adress', did you mean"
                + " 'address'?",
            "sluice.yaml:9:1: drain_timout: unknown key 'drain_timout', did you mean"
                + " 'drain_timeout'?");
  }

  @Test
  void reportsAStringWhereANumberIsExpected() {
    String yaml =
        """
        listeners:
          - {name: git-ssh, bind: [":2222"], pool: ssh, backlog: lots}
        """
            + POOLS;

    assertThat(errors(yaml))
        .containsExactly("sluice.yaml:2:49: listeners[0].backlog: expected an integer, got 'lots'");
  }

  @Test
  void refusesToTruncateAFractionToAnInteger() {
    String yaml =
        """
        listeners:
          - {name: git-ssh, bind: [":2222"], pool: ssh, max_connections: 1.5}
        """
            + POOLS;

    assertThat(errors(yaml))
        .containsExactly(
            "sluice.yaml:2:49: listeners[0].max_connections: expected an integer, got 1.5");
  }

  @Test
  void reportsAnIntegerTooLargeForItsKey() {
    String yaml =
        """
        listeners:
          - {name: git-ssh, bind: [":2222"], pool: ssh, backlog: 99999999999}
        """
            + POOLS;

    assertThat(errors(yaml))
        .containsExactly(
            "sluice.yaml:2:49: listeners[0].backlog: expected an integer from -2147483648 to"
                + " 2147483647, got 99999999999");
  }

  @Test
  void acceptsOnlyTrueOrFalseForABoolean() {
    String yaml =
        """
        listeners:
          - name: git-ssh
            bind: [":2222"]
            pool: ssh
            accept_proxy: 1
            reuse_port: maybe
        """
            + POOLS;

    assertThat(errors(yaml))
        .containsExactly(
            "sluice.yaml:5:5: listeners[0].accept_proxy: expected true or false, got 1",
            "sluice.yaml:6:5: listeners[0].reuse_port: expected true or false, got 'maybe'");
  }

  @Test
  void reportsAListWhereAMapIsExpectedAndTheOtherWayRound() {
    String yaml =
        """
        listeners:
          - name: git-ssh
            bind: {address: ":2222"}
            pool: [ssh]
            timeouts: [1m]
        """
            + POOLS;

    assertThat(errors(yaml))
        .containsExactly(
            "sluice.yaml:3:5: listeners[0].bind: expected a list, got a map",
            "sluice.yaml:4:5: listeners[0].pool: expected a string, got a list",
            "sluice.yaml:5:5: listeners[0].timeouts: expected a map, got a list");
  }

  @Test
  void reportsAScalarWhereAListOrMapIsExpected() {
    String yaml =
        """
        listeners:
          - name: git-ssh
            bind: ":2222"
            pool: ssh
            timeouts: 1m
        """
            + POOLS;

    assertThat(errors(yaml))
        .containsExactly(
            "sluice.yaml:3:5: listeners[0].bind: expected a list, got ':2222'",
            "sluice.yaml:5:5: listeners[0].timeouts: expected a map, got '1m'");
  }

  @Test
  void reportsADocumentThatIsNotAMap() {
    assertThat(errors("- listeners\n"))
        .containsExactly("sluice.yaml:1:1: (root): expected a map, got a list");
  }

  @Test
  void listsTheAllowedWordsForAnUnknownEnumWord() {
    String yaml =
        """
        listeners:
          - {name: git-ssh, bind: [":2222"], pool: ssh, protocol: TCP}
        pools:
          - {name: ssh, balance: 1, servers: [{address: "10.0.0.11:22"}]}
        """;

    assertThat(errors(yaml))
        .containsExactly(
            "sluice.yaml:2:49: listeners[0].protocol: expected tcp, tls, http, https or udp, got"
                + " 'TCP'",
            "sluice.yaml:4:17: pools[0].balance: expected round_robin, least_conn, source_hash, p2c, first or closest, got 1");
  }

  @Test
  void listsTheSipTransports() {
    String yaml =
        """
        listeners:
          - {name: git-ssh, bind: [":2222"], pool: ssh}
        pools:
          - {name: ssh, servers: [{address: "10.0.0.11:5060"}], health: {check: sip, sip_transport: sctp}}
        """;

    assertThat(errors(yaml))
        .containsExactly(
            "sluice.yaml:4:78: pools[0].health.sip_transport: expected udp or tcp, got 'sctp'");
  }

  @Test
  void reportsAListItemOfTheWrongTypeWithoutMisattributingTheItemsAfterIt() {
    String yaml =
        """
        listeners:
          - {name: git-ssh, bind: [{port: 2222}, "nowhere"], pool: ssh}
        """
            + POOLS;

    assertThat(errors(yaml))
        .containsExactly("sluice.yaml:2:28: listeners[0].bind[0]: expected a string, got a map");
  }

  @Test
  void reportsAnEmptyListItem() {
    String yaml =
        """
        listeners:
          - {name: git-ssh, bind: [":2222"], pool: ssh}
          -
        """
            + POOLS;

    assertThat(errors(yaml)).containsExactly("sluice.yaml:3:4: listeners[1]: empty list item");
  }

  @Test
  void reportsAKeyGivenTwice() {
    String yaml =
        """
        listeners:
          - name: git-ssh
            bind: [":2222"]
            pool: ssh
            name: git
        """
            + POOLS;

    assertThat(errors(yaml))
        .containsExactly(
            "sluice.yaml:5:5: listeners[0].name: key 'name' is given twice (first at line 2)");
  }

  @Test
  void refusesAliasesRatherThanReadingTheAnchorName() {
    String yaml =
        """
        listeners:
          - {name: git-ssh, bind: [":2222"], pool: &ssh ssh}
          - {name: git-ssh-2, bind: [":2223"], pool: *ssh}
        """
            + POOLS;

    assertThat(errors(yaml))
        .containsExactly(
            "sluice.yaml:3:40: listeners[1].pool: YAML aliases (*ssh) are not supported; write"
                + " the value out");
  }
}
