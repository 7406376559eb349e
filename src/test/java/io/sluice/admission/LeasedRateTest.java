package io.sluice.admission;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LeasedRateTest {
  @Test
  void startsOnTheLocalShareUntilLeasesAreUsed() {
    LeasedRate rate = new LeasedRate(100, 100, 10);

    assertThat(rate.leased()).isFalse();
    assertThat(rate.localSharePerSecond()).isEqualTo(100.0);
    assertThat(rate.nanosUntilAvailable()).isLessThanOrEqualTo(0);
  }

  @Test
  void acceptsWhileLeasedTokensLastAndWaitsWhenTheyAreSpent() {
    LeasedRate rate = new LeasedRate(100, 100, 10);
    rate.useLeases();
    assertThat(rate.nanosUntilAvailable()).as("no lease yet").isPositive();

    rate.deposit(2);
    assertThat(rate.nanosUntilAvailable()).isLessThanOrEqualTo(0);
    rate.take();
    rate.take();

    assertThat(rate.nanosUntilAvailable()).isPositive();
    assertThat(rate.balance()).isZero();
    assertThat(rate.taken()).isEqualTo(2);
  }

  @Test
  void aDebtFromConcurrentAcceptsIsPaidByTheNextDeposit() {
    LeasedRate rate = new LeasedRate(100, 100, 10);
    rate.useLeases();
    rate.take();
    rate.take();

    rate.deposit(3);

    assertThat(rate.balance()).isEqualTo(1);
  }

  @Test
  void givesBackOnlyWhatIsAboveTheKeptAmount() {
    LeasedRate rate = new LeasedRate(100, 100, 10);
    rate.useLeases();
    rate.deposit(30);

    assertThat(rate.withdrawAbove(10)).isEqualTo(20);
    assertThat(rate.withdrawAbove(10)).isZero();
    assertThat(rate.balance()).isEqualTo(10);
  }

  @Test
  void theLocalShareForgetsLeasedTokensAndLimitsByItsOwnRate() {
    LeasedRate rate = new LeasedRate(100, 100, 10);
    rate.useLeases();
    rate.deposit(50);

    rate.useLocalShare(50, 1);
    rate.take();

    assertThat(rate.leased()).isFalse();
    assertThat(rate.balance()).isZero();
    assertThat(rate.localSharePerSecond()).isEqualTo(50.0);
    assertThat(rate.nanosUntilAvailable()).as("a burst of one is spent").isPositive();
    assertThat(rate.perSecond()).as("the fleet's limit").isEqualTo(100.0);
  }
}
