package io.sluice.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.config.AcmeConfig;
import io.sluice.config.Rate;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class OnDemandGateTest {
  private static OnDemandGate gate(int maxPending, Rate rate) {
    return new OnDemandGate(
        new AcmeConfig.OnDemandConfig(
            List.of("Shop.Example", "*.customers.example"), null, null, maxPending, rate));
  }

  @Test
  void allowsExactNamesAndOneLabelBelowAWildcardOnly() {
    OnDemandGate gate = gate(8, new Rate(10, Duration.ofMinutes(1)));

    assertThat(gate.allows("shop.example")).isTrue();
    assertThat(gate.allows("a.customers.example")).isTrue();
    assertThat(gate.allows("a.b.customers.example")).isFalse();
    assertThat(gate.allows("customers.example")).isFalse();
    assertThat(gate.allows("other.example")).isFalse();
  }

  @Test
  void letsAWholePeriodOfNamesThroughAtOnceThenRefuses() {
    OnDemandGate gate = gate(8, new Rate(3, Duration.ofHours(1)));

    assertThat(gate.takeRate()).isTrue();
    assertThat(gate.takeRate()).isTrue();
    assertThat(gate.takeRate()).isTrue();
    assertThat(gate.takeRate()).isFalse();
  }

  @Test
  void boundsTheOrdersInProgress() {
    OnDemandGate gate = gate(2, new Rate(10, Duration.ofMinutes(1)));

    assertThat(gate.reservePending()).isTrue();
    assertThat(gate.reservePending()).isTrue();
    assertThat(gate.reservePending()).isFalse();
    gate.releasePending();
    assertThat(gate.reservePending()).isTrue();
  }
}
