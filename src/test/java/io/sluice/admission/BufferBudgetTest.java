package io.sluice.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class BufferBudgetTest {
  @Test
  void refusesNewWorkOnceOnlyTheReserveIsLeftAndRepliesOnceNothingIs() {
    BufferBudget budget = new BufferBudget(4, 1);
    assertThat(budget.tryTake(false)).isTrue();
    assertThat(budget.tryTake(false)).isTrue();
    assertThat(budget.tryTake(false)).isTrue();
    assertThat(budget.tryTake(false)).isFalse();
    assertThat(budget.tryTake(true)).isTrue();
    assertThat(budget.tryTake(true)).isFalse();
    budget.give();
    assertThat(budget.tryTake(false)).as("the freed one is the reserve").isFalse();
    budget.give();
    assertThat(budget.tryTake(false)).isTrue();
    assertThat(budget.inUse()).isEqualTo(3);
  }

  @Test
  void needsRoomBeyondTheReserve() {
    assertThatThrownBy(() -> new BufferBudget(2, 2)).isInstanceOf(IllegalArgumentException.class);
  }
}
