package io.sluice.pool;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RetryBudgetTest {
  private final AtomicLong now = new AtomicLong(TimeUnit.SECONDS.toNanos(100));

  @Test
  void allowsRetriesUpToTheRatioOfRecentRequests() {
    RetryBudget budget = new RetryBudget(0.2, 0, now::get);
    for (int i = 0; i < 100; i++) {
      budget.recordRequest();
    }
    int granted = 0;
    for (int i = 0; i < 100; i++) {
      if (budget.tryRetry()) {
        granted++;
      }
    }
    assertThat(granted).isEqualTo(20);
  }

  @Test
  void alwaysAllowsTheFloorOnAQuietPool() {
    RetryBudget budget = new RetryBudget(0.2, 1, now::get);
    int granted = 0;
    for (int i = 0; i < 50; i++) {
      if (budget.tryRetry()) {
        granted++;
      }
    }
    assertThat(granted).isEqualTo(10); // 1/s over the ten-second window
  }

  @Test
  void forgetsRequestsOlderThanTheWindow() {
    RetryBudget budget = new RetryBudget(0.5, 0, now::get);
    for (int i = 0; i < 100; i++) {
      budget.recordRequest();
    }
    now.addAndGet(TimeUnit.SECONDS.toNanos(11));
    assertThat(budget.tryRetry()).isFalse();
  }
}
