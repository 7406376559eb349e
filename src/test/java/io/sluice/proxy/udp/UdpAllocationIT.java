package io.sluice.proxy.udp;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.runtime.SluiceRuntime;
import io.sluice.testing.RuntimeTest;
import io.sluice.testing.TestConfigs;
import io.sluice.testing.UdpClient;
import io.sluice.testing.UdpServer;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/**
 * What the event loop allocates per datagram relayed, measured with the JVM's per-thread allocation
 * counters: the buffers come from the pool, so only Netty's small envelopes remain.
 */
class UdpAllocationIT extends RuntimeTest {
  /**
   * Netty's envelopes, the sender's address and a buffer slice, and Sluice's reply envelope: about
   * 330 bytes a round trip when measured. A datagram (2 KiB here) copied onto the heap in either
   * direction would pass this at once.
   */
  private static final long MAX_BYTES_PER_ROUND_TRIP = 1024;

  private static long loopAllocatedBytes() {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long total = 0;
    for (Thread thread : Thread.getAllStackTraces().keySet()) {
      if (thread.getName().startsWith("sluice-loop")) {
        total += threads.getThreadAllocatedBytes(thread.getId());
      }
    }
    return total;
  }

  private static void roundTrips(UdpClient client, InetSocketAddress front, String payload, int n)
      throws Exception {
    for (int i = 0; i < n; i++) {
      client.send(payload, front);
      assertThat(client.receive(5_000)).isNotNull();
    }
  }

  @Test
  void relaysDatagramsWithoutCopyingThemOntoTheHeap() throws Exception {
    UdpServer server = keep(UdpServer.start("a"));
    sluice = SluiceRuntime.start(TestConfigs.udp().server(server.address()).build(), 1);
    InetSocketAddress front = (InetSocketAddress) sluice.boundAddresses("front").get(0);
    UdpClient client = keep(UdpClient.bound("127.0.0.1"));
    String payload = "x".repeat(2048);
    roundTrips(client, front, payload, 3_000);

    int measured = 5_000;
    long before = loopAllocatedBytes();
    roundTrips(client, front, payload, measured);
    long perRoundTrip = (loopAllocatedBytes() - before) / measured;

    System.out.println("udp relay: " + perRoundTrip + " bytes allocated per round trip");
    assertThat(perRoundTrip).isLessThan(MAX_BYTES_PER_ROUND_TRIP);
  }
}
