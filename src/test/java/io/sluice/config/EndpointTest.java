package io.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import io.sluice.config.Endpoint.Kind;
import org.junit.jupiter.api.Test;

class EndpointTest {

  @Test
  void parsesAnIpv4AddressAndPort() {
    Endpoint endpoint = Endpoint.parse("10.0.0.11:22");

    assertThat(endpoint).isEqualTo(new Endpoint(Kind.INET, "10.0.0.11", 22, ""));
    assertThat(endpoint).hasToString("10.0.0.11:22");
  }

  @Test
  void parsesAHostNameWithoutResolvingIt() {
    assertThat(Endpoint.parse("backend.invalid:8080"))
        .isEqualTo(new Endpoint(Kind.INET, "backend.invalid", 8080, ""));
  }

  @Test
  void parsesABracketedIpv6AddressAndPrintsTheBracketsBack() {
    Endpoint endpoint = Endpoint.parse("[2001:db8::1]:443");

    assertThat(endpoint).isEqualTo(new Endpoint(Kind.INET, "2001:db8::1", 443, ""));
    assertThat(endpoint).hasToString("[2001:db8::1]:443");
  }

  @Test
  void readsAPortAloneAsEveryAddress() {
    Endpoint endpoint = Endpoint.parse(":2222");

    assertThat(endpoint).isEqualTo(new Endpoint(Kind.INET, "", 2222, ""));
    assertThat(endpoint).hasToString(":2222");
  }

  @Test
  void acceptsTheWholePortRange() {
    assertThat(Endpoint.parse(":0").port()).isZero();
    assertThat(Endpoint.parse(":65535").port()).isEqualTo(65_535);
  }

  @Test
  void parsesAUnixSocketPath() {
    Endpoint endpoint = Endpoint.parse("unix:/run/sluice/ssh.sock");

    assertThat(endpoint).isEqualTo(new Endpoint(Kind.UNIX, "", 0, "/run/sluice/ssh.sock"));
    assertThat(endpoint).hasToString("unix:/run/sluice/ssh.sock");
  }

  @Test
  void parsesAnAbstractSocketNameWithoutItsAt() {
    Endpoint endpoint = Endpoint.parse("unix:@sluice-ssh");

    assertThat(endpoint).isEqualTo(new Endpoint(Kind.ABSTRACT, "", 0, "sluice-ssh"));
    assertThat(endpoint).hasToString("unix:@sluice-ssh");
  }

  @Test
  void requiresAnAddress() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> Endpoint.parse(null))
        .withMessage("an address is required");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> Endpoint.parse("  "))
        .withMessage("an address is required");
  }

  @Test
  void rejectsAnAddressWithoutAPort() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> Endpoint.parse("10.0.0.11"))
        .withMessage("'10.0.0.11' has no port (expected: host:port, [ipv6]:port or :port)");
  }

  @Test
  void rejectsAPortThatIsNotANumberOrOutOfRange() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> Endpoint.parse("10.0.0.11:ssh"))
        .withMessage("'10.0.0.11:ssh' has no valid port number");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> Endpoint.parse("10.0.0.11:"))
        .withMessage("'10.0.0.11:' has no valid port number");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> Endpoint.parse("10.0.0.11:65536"))
        .withMessage("'10.0.0.11:65536' has port 65536 (expected: 0 to 65535)");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> Endpoint.parse("10.0.0.11:-1"))
        .withMessage("'10.0.0.11:-1' has port -1 (expected: 0 to 65535)");
  }

  @Test
  void rejectsIpv6WithoutBrackets() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> Endpoint.parse("2001:db8::1:443"))
        .withMessage(
            "'2001:db8::1:443' is an IPv6 address without brackets (expected: [ipv6]:port)");
  }

  @Test
  void rejectsAnUnclosedOrEmptyBracket() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> Endpoint.parse("[2001:db8::1:443"))
        .withMessage("'[2001:db8::1:443' has an unclosed IPv6 bracket (expected: [ipv6]:port)");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> Endpoint.parse("[]:443"))
        .withMessage("'[]:443' has an unclosed IPv6 bracket (expected: [ipv6]:port)");
  }

  @Test
  void rejectsAUnixAddressWithoutAPathOrName() {
    for (String text : new String[] {"unix:", "unix:@", "unix:/", "unix:relative.sock"}) {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> Endpoint.parse(text))
          .withMessage(
              "'" + text + "' is not a unix address (expected: unix:/path or unix:@abstract-name)");
    }
  }
}
