package io.sluice.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PipeBudgetTest {
  @Test
  void grantsPairsOfPipesOnlyWhileBothFitAndTakesThemBack() {
    PipeBudget budget = new PipeBudget(5);
    assertThat(budget.tryTake(2)).isTrue();
    assertThat(budget.tryTake(2)).isTrue();
    assertThat(budget.tryTake(2)).as("one pipe left: a pair does not fit").isFalse();
    assertThat(budget.inUse()).isEqualTo(4);
    budget.give(2);
    assertThat(budget.tryTake(2)).isTrue();
    assertThat(budget.inUse()).isEqualTo(4);
  }

  @Test
  void zeroPipesGrantsNothing() {
    assertThat(new PipeBudget(0).tryTake(2)).isFalse();
  }

  @Test
  void refusesANegativeMaximum() {
    assertThatThrownBy(() -> new PipeBudget(-1)).isInstanceOf(IllegalArgumentException.class);
  }
}
