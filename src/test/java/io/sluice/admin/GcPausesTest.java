package io.sluice.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class GcPausesTest {
  @Test
  void countsPausesButNotConcurrentCycles() {
    assertThat(GcPauses.isPause("ZGC Pauses", "end of GC pause")).isTrue();
    assertThat(GcPauses.isPause("ZGC Cycles", "end of GC cycle")).isFalse();
    assertThat(GcPauses.isPause("ZGC Major Cycles", "end of GC cycle")).isFalse();
    assertThat(GcPauses.isPause("ZGC Minor Pauses", "end of GC pause")).isTrue();
    assertThat(GcPauses.isPause("Shenandoah Cycles", "end of GC cycle")).isFalse();
    assertThat(GcPauses.isPause("Shenandoah Pauses", "end of GC pause")).isTrue();
    assertThat(GcPauses.isPause("G1 Young Generation", "end of minor GC")).isTrue();
    assertThat(GcPauses.isPause("G1 Old Generation", "end of major GC")).isTrue();
    assertThat(GcPauses.isPause("G1 Concurrent GC", "end of GC pause")).isTrue();
    assertThat(GcPauses.isPause("PS Scavenge", "end of minor GC")).isTrue();
    assertThat(GcPauses.isPause("Copy", "end of minor GC")).isTrue();
  }

  @Test
  void theRecentMaximumForgetsPausesOlderThanAMinute() {
    AtomicLong now = new AtomicLong(1_000_000);
    GcPauses.RecentMax recent = new GcPauses.RecentMax(now::get);
    assertThat(recent.max()).isZero();
    recent.record(5);
    now.addAndGet(15_000);
    recent.record(3);
    assertThat(recent.max()).isEqualTo(5);
    now.addAndGet(40_000);
    assertThat(recent.max()).isEqualTo(5);
    now.addAndGet(10_000); // the 5 is 65 s old: gone
    assertThat(recent.max()).isEqualTo(3);
    recent.record(2);
    assertThat(recent.max()).isEqualTo(3);
    now.addAndGet(20_000);
    assertThat(recent.max()).isEqualTo(2);
    now.addAndGet(60_000);
    assertThat(recent.max()).isZero();
  }
}
