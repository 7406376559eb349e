package io.sluice.admission;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class TokenBucketTest {
  private final AtomicLong now = new AtomicLong(1_000_000_000L);

  @Test
  void allowsABurstThenOneTokenPerInterval() {
    TokenBucket bucket = new TokenBucket(10, 3, now::get);
    for (int i = 0; i < 3; i++) {
      assertThat(bucket.nanosUntilAvailable()).isLessThanOrEqualTo(0);
      bucket.take();
    }
    assertThat(bucket.nanosUntilAvailable()).isEqualTo(TimeUnit.MILLISECONDS.toNanos(100));
    now.addAndGet(TimeUnit.MILLISECONDS.toNanos(100));
    assertThat(bucket.nanosUntilAvailable()).isLessThanOrEqualTo(0);
  }

  @Test
  void takesBeyondTheBalanceBecomeDebtThatDelaysLaterAccepts() {
    TokenBucket bucket = new TokenBucket(10, 1, now::get);
    for (int i = 0; i < 5; i++) {
      bucket.take();
    }
    assertThat(bucket.nanosUntilAvailable()).isEqualTo(TimeUnit.MILLISECONDS.toNanos(500));
  }

  @Test
  void refillsNoFurtherThanTheBurstAfterAQuietPeriod() {
    TokenBucket bucket = new TokenBucket(10, 2, now::get);
    now.addAndGet(TimeUnit.SECONDS.toNanos(60));
    bucket.take();
    bucket.take();
    assertThat(bucket.nanosUntilAvailable()).isPositive();
  }

  @Test
  void tryTakeRefusesInsteadOfGoingIntoDebt() {
    TokenBucket bucket = new TokenBucket(10, 2, now::get);
    assertThat(bucket.tryTake()).isTrue();
    assertThat(bucket.tryTake()).isTrue();
    assertThat(bucket.tryTake()).isFalse();
    assertThat(bucket.tryTake()).isFalse();
    now.addAndGet(TimeUnit.MILLISECONDS.toNanos(100));
    assertThat(bucket.tryTake()).isTrue();
    assertThat(bucket.tryTake()).isFalse();
  }
}
