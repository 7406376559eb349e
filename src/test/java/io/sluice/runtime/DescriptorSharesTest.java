package io.sluice.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import io.sluice.config.Config;
import io.sluice.config.ConfigLoader;
import io.sluice.net.Transport;
import org.junit.jupiter.api.Test;

class DescriptorSharesTest {
  private static Config config(String listenerKeys, String topLevel) {
    return ConfigLoader.parse(
            topLevel
                + "\nlisteners:\n  - {name: front, bind: [\":2222\"], pool: back"
                + listenerKeys
                + "}\npools:\n  - {name: back, servers: [{address: \"10.0.0.11:22\"}]}\n",
            "sluice.yaml")
        .config();
  }

  @Test
  void aTcpListenerOnEpollMaySpliceUnlessItSaysOff() {
    assertThat(DescriptorShares.maySplice(config("", ""), Transport.EPOLL)).isTrue();
    assertThat(DescriptorShares.maySplice(config("", ""), Transport.NIO)).isFalse();
    assertThat(DescriptorShares.maySplice(config(", splice: off", ""), Transport.EPOLL)).isFalse();
    assertThat(DescriptorShares.maySplice(config(", protocol: http", ""), Transport.EPOLL))
        .isFalse();
  }

  @Test
  void givesPipesHalfTheConnectionsWhenSplicingCanHappenAndNoneOtherwise() {
    assertThat(DescriptorShares.maxPipes(config("", ""), Transport.EPOLL, 6_000)).isEqualTo(3_000);
    assertThat(DescriptorShares.maxPipes(config("", ""), Transport.NIO, 6_000)).isZero();
    assertThat(DescriptorShares.maxPipes(config(", splice: off", ""), Transport.EPOLL, 6_000))
        .isZero();
  }

  @Test
  void keepsWhatTheConfigurationSays() {
    Config config = config("", "max_connections: 1000\nmax_pipes: 10");

    assertThat(DescriptorShares.maxConnections(config, Transport.EPOLL)).isEqualTo(1_000);
    assertThat(DescriptorShares.maxPipes(config, Transport.EPOLL, 1_000)).isEqualTo(10);
  }

  @Test
  void leavesAThirdOfTheDescriptorsToPipesOnlyWhenSplicingCanHappen() {
    int splicing = DescriptorShares.maxConnections(config("", ""), Transport.EPOLL);
    int copying = DescriptorShares.maxConnections(config("", ""), Transport.NIO);

    // Two descriptors per connection and one per connection for pipes, against two alone.
    assertThat((double) splicing / copying).isCloseTo(2.0 / 3, offset(0.01));
  }
}
