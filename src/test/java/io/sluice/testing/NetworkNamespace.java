package io.sluice.testing;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A network namespace of a test's own, joined to the host by a veth pair with private addresses
 * ({@code 10.254.x.1} on the host, {@code 10.254.x.2} inside), so that a server run inside it
 * ({@code ip netns exec}) is reached through a link the test can impair: {@code tc netem} delay,
 * loss and reordering when the kernel has it; packet loss and partitions through nftables in any
 * case. Traffic never leaves the machine. {@link #close} deletes the namespace, which takes the
 * veth pair with it; it runs after every test, failed or not.
 *
 * <p>Needs root (or CAP_NET_ADMIN). Where namespaces cannot be made, the test is skipped with the
 * reason, unless {@code SLUICE_REQUIRE_PEERS=1}, where it fails.
 */
public final class NetworkNamespace implements AutoCloseable {
  private final String name;
  private final String hostDevice;
  private final String innerDevice;
  private final String hostAddress;
  private final String innerAddress;
  private boolean created;
  private boolean filtering;

  private NetworkNamespace(int subnet) {
    String id = Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0xffffff));
    this.name = "sluice-" + id;
    this.hostDevice = "sl" + id + "h";
    this.innerDevice = "sl" + id + "n";
    this.hostAddress = "10.254." + subnet + ".1";
    this.innerAddress = "10.254." + subnet + ".2";
  }

  /** Makes the namespace and its link, or skips the test saying why it cannot. */
  public static NetworkNamespace create() throws Exception {
    Peers.require("ip");
    NetworkNamespace namespace = new NetworkNamespace(ThreadLocalRandom.current().nextInt(1, 255));
    Result added = run("ip", "netns", "add", namespace.name);
    if (added.exit() != 0) {
      String reason = "cannot make a network namespace (needs root): " + added.output();
      if ("1".equals(System.getenv("SLUICE_REQUIRE_PEERS"))) {
        fail(reason + " and SLUICE_REQUIRE_PEERS=1");
      }
      Assumptions.abort(reason);
    }
    namespace.created = true;
    try {
      namespace.check(
          "ip",
          "link",
          "add",
          namespace.hostDevice,
          "type",
          "veth",
          "peer",
          "name",
          namespace.innerDevice,
          "netns",
          namespace.name);
      namespace.check(
          "ip", "addr", "add", namespace.hostAddress + "/30", "dev", namespace.hostDevice);
      namespace.check("ip", "link", "set", namespace.hostDevice, "up");
      namespace.inside(
          "ip", "addr", "add", namespace.innerAddress + "/30", "dev", namespace.innerDevice);
      namespace.inside("ip", "link", "set", namespace.innerDevice, "up");
      namespace.inside("ip", "link", "set", "lo", "up");
    } catch (IOException | RuntimeException e) {
      namespace.close();
      throw e;
    }
    return namespace;
  }

  public String name() {
    return name;
  }

  /** The namespace's address, where servers inside it listen. */
  public String innerAddress() {
    return innerAddress;
  }

  /**
   * Delays, reorders and drops packets both ways with netem, e.g. {@code "delay 50ms 10ms loss 5%
   * reorder 25% 50%"}; returns false, changing nothing, when the kernel has no netem.
   */
  public boolean netem(String spec) throws IOException, InterruptedException {
    List<String> host =
        new ArrayList<>(List.of("tc", "qdisc", "replace", "dev", hostDevice, "root", "netem"));
    host.addAll(List.of(spec.split(" ")));
    Result applied = run(host.toArray(new String[0]));
    if (applied.exit() != 0) {
      if (applied.output().contains("qdisc kind is unknown")) {
        return false;
      }
      throw new IOException(host + ": " + applied.output());
    }
    List<String> inner =
        new ArrayList<>(List.of("tc", "qdisc", "replace", "dev", innerDevice, "root", "netem"));
    inner.addAll(List.of(spec.split(" ")));
    inside(inner.toArray(new String[0]));
    return true;
  }

  /**
   * Drops {@code percent} of the packets in each direction, at random, with nftables inside the
   * namespace (works without netem).
   */
  public void loss(int percent) throws IOException, InterruptedException {
    filter("numgen random mod 100 < " + percent + " drop");
  }

  /** Drops every packet both ways: the server is cut off, as by a failed switch. */
  public void partition() throws IOException, InterruptedException {
    filter("drop");
  }

  /** Removes any loss or partition set with nftables. */
  public void heal() throws IOException, InterruptedException {
    if (filtering) {
      inside(Peers.require("nft"), "delete", "table", "inet", "impair");
      filtering = false;
    }
  }

  private void filter(String rule) throws IOException, InterruptedException {
    heal();
    String nft = Peers.require("nft");
    inside(nft, "add", "table", "inet", "impair");
    filtering = true;
    for (String hook : List.of("input", "output")) {
      inside(
          nft,
          "add",
          "chain",
          "inet",
          "impair",
          hook,
          "{ type filter hook " + hook + " priority 0; }");
      List<String> command = new ArrayList<>(List.of(nft, "add", "rule", "inet", "impair", hook));
      command.addAll(List.of(rule.split(" ")));
      inside(command.toArray(new String[0]));
    }
  }

  private void inside(String... command) throws IOException, InterruptedException {
    List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", name));
    full.addAll(List.of(command));
    check(full.toArray(new String[0]));
  }

  private void check(String... command) throws IOException, InterruptedException {
    Result result = run(command);
    if (result.exit() != 0) {
      throw new IOException(String.join(" ", command) + ": " + result.output());
    }
  }

  private record Result(int exit, String output) {}

  private static Result run(String... command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IOException(String.join(" ", command) + " did not finish");
    }
    return new Result(process.exitValue(), output.strip());
  }

  /** Deletes the namespace and with it the veth pair and anything set on them. */
  @Override
  public void close() throws IOException {
    if (created) {
      created = false;
      try {
        run("ip", "netns", "del", name);
        // The host end goes with its peer; this only covers a pair whose peer never moved inside.
        run("ip", "link", "del", hostDevice);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
