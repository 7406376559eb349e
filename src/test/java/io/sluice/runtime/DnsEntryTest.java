package io.sluice.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.config.AddressFamily;
import io.sluice.net.DnsAnswer;
import io.sluice.observe.LiveView;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What one DNS entry makes of its answers: the last good set, the schedule, the figures. */
class DnsEntryTest {
  private static final Duration INTERVAL = Duration.ofSeconds(5);
  private static final Duration FLOOR = Duration.ofSeconds(1);

  private static DnsEntry entry(int maxAddresses) {
    return new DnsEntry(
        new DnsEntry.Key("web", "web.test", null, 8080, AddressFamily.ANY, maxAddresses),
        INTERVAL,
        FLOOR,
        0);
  }

  private static DnsEntry service() {
    return new DnsEntry(
        new DnsEntry.Key("web", null, "_http._tcp.web.test", null, AddressFamily.ANY, 64),
        INTERVAL,
        FLOOR,
        0);
  }

  private static DnsAnswer success(long ttl, String... ips) {
    List<DnsAnswer.Target> targets = new ArrayList<>();
    for (String ip : ips) {
      targets.add(new DnsAnswer.Target("web.test", ip, 8080, 0));
    }
    return new DnsAnswer(DnsAnswer.Outcome.SUCCESS, targets, ttl, null);
  }

  private static DnsAnswer failure(DnsAnswer.Outcome outcome) {
    return new DnsAnswer(outcome, List.of(), 0, "why");
  }

  private static List<String> addresses(DnsEntry entry) {
    return entry.targets().stream().map(DnsAnswer.Target::address).toList();
  }

  @Test
  void newAddressesChangeTheSetWhichIsKeptInAddressOrder() {
    DnsEntry entry = entry(64);

    DnsEntry.Update first = entry.accept(success(30, "10.0.0.10", "10.0.0.9", "fd00::1"), 1);
    DnsEntry.Update same = entry.accept(success(30, "fd00::1", "10.0.0.9", "10.0.0.10"), 2);

    assertThat(first.changed()).isTrue();
    assertThat(addresses(entry))
        .as("numeric order, IPv4 first")
        .containsExactly("10.0.0.9:8080", "10.0.0.10:8080", "[fd00::1]:8080");
    assertThat(same.changed()).as("the same addresses in another order").isFalse();
  }

  @Test
  void aFailedTimedOutOrEmptyAnswerKeepsTheLastGoodSet() {
    DnsEntry entry = entry(64);
    entry.accept(success(30, "10.0.0.1", "10.0.0.2"), 1);

    for (DnsAnswer.Outcome outcome :
        List.of(DnsAnswer.Outcome.EMPTY, DnsAnswer.Outcome.TIMEOUT, DnsAnswer.Outcome.FAILURE)) {
      assertThat(entry.accept(failure(outcome), 2).changed()).isFalse();
      assertThat(addresses(entry)).containsExactly("10.0.0.1:8080", "10.0.0.2:8080");
    }
  }

  @Test
  void aNameThatNeverResolvedHasNoServersAndSaysSo() {
    DnsEntry entry = entry(64);

    entry.accept(failure(DnsAnswer.Outcome.EMPTY), 3_000_000);
    LiveView.DnsLoad view = entry.view(5_000_000);

    assertThat(entry.targets()).isEmpty();
    assertThat(view.resolved()).isFalse();
    assertThat(view.lastResult()).isEqualTo("empty");
    assertThat(view.lastError()).isEqualTo("empty: why");
    assertThat(view.lastSuccessAgeMillis()).as("since the entry began").isEqualTo(5);
    assertThat(view.lastErrorAgeMillis()).isEqualTo(2);
    assertThat(view.results()).containsEntry("empty", 1L).containsEntry("success", 0L);
  }

  @Test
  void theNextResolutionFollowsTheTtlBetweenTheFloorAndTheInterval() {
    DnsEntry entry = entry(64);

    assertThat(entry.accept(success(3, "10.0.0.1"), 1).nextIn()).isEqualTo(Duration.ofSeconds(3));
    assertThat(entry.accept(success(0, "10.0.0.1"), 2).nextIn())
        .as("Consul's TTL 0")
        .isEqualTo(FLOOR);
    assertThat(entry.accept(success(3600, "10.0.0.1"), 3).nextIn()).isEqualTo(INTERVAL);
  }

  @Test
  void failuresAreRetriedFromTheFloorDoublingUpToTheInterval() {
    DnsEntry entry = entry(64);
    List<Duration> delays = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      delays.add(entry.accept(failure(DnsAnswer.Outcome.TIMEOUT), i).nextIn());
    }
    entry.accept(success(30, "10.0.0.1"), 9);

    assertThat(delays)
        .containsExactly(
            Duration.ofSeconds(1),
            Duration.ofSeconds(2),
            Duration.ofSeconds(4),
            INTERVAL,
            INTERVAL);
    assertThat(entry.accept(failure(DnsAnswer.Outcome.TIMEOUT), 10).nextIn())
        .as("a success starts the doubling again")
        .isEqualTo(FLOOR);
  }

  @Test
  void keepsAtMostMaxAddressesTheLowestFirst() {
    DnsEntry entry = entry(2);

    entry.accept(success(30, "10.0.0.3", "10.0.0.1", "10.0.0.2"), 1);

    assertThat(addresses(entry)).containsExactly("10.0.0.1:8080", "10.0.0.2:8080");
  }

  @Test
  void srvWeightsAreAddedUpPerAddressAndScaledToServerWeights() {
    DnsEntry entry = service();
    DnsAnswer answer =
        new DnsAnswer(
            DnsAnswer.Outcome.SUCCESS,
            List.of(
                new DnsAnswer.Target("a.test", "10.0.0.1", 80, 1000),
                new DnsAnswer.Target("b.test", "10.0.0.2", 80, 0),
                new DnsAnswer.Target("c.test", "10.0.0.1", 80, 1000)),
            30,
            null);

    entry.accept(answer, 1);

    assertThat(entry.targets())
        .extracting(DnsAnswer.Target::address, DnsAnswer.Target::weight)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("10.0.0.1:80", 256),
            org.assertj.core.groups.Tuple.tuple("10.0.0.2:80", 1));
  }

  @Test
  void srvWeightsThatFitAreKeptAsTheyAreWithZeroAsOne() {
    assertThat(DnsEntry.serverWeights(new int[] {0, 1, 33, 256})).containsExactly(1, 1, 33, 256);
    assertThat(DnsEntry.serverWeights(new int[] {100, 50, 65535})).containsExactly(1, 1, 256);
    assertThat(DnsEntry.serverWeights(new int[] {512, 1024})).containsExactly(128, 256);
  }
}
