package io.sluice.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class BufferMemoryTest {
  private final AtomicLong inUse = new AtomicLong();
  private final BufferMemory memory = new BufferMemory(100, 10, inUse::get);

  @Test
  void admitsNewWorkUntilOnlyTheReserveIsLeftAndAgainOnceMemoryIsGivenBack() {
    inUse.set(89);
    assertThat(memory.admitsNewWork()).isTrue();
    assertThat(memory.spent()).isFalse();

    inUse.set(90);
    assertThat(memory.admitsNewWork()).isFalse();
    assertThat(memory.spent()).isTrue();

    inUse.set(150);
    assertThat(memory.admitsNewWork()).isFalse();

    inUse.set(20);
    assertThat(memory.admitsNewWork()).isTrue();
  }

  @Test
  void countsRefusals() {
    memory.refused();
    memory.refused();
    assertThat(memory.refusals()).isEqualTo(2);
  }

  @Test
  void refusesAReserveThatLeavesNewWorkNothing() {
    assertThatThrownBy(() -> new BufferMemory(100, 100, () -> 0))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
