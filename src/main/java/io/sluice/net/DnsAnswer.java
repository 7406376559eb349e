package io.sluice.net;

import java.util.List;

/**
 * What name servers said about one DNS entry: the addresses it resolved to, or why there are none.
 * Expected failures (a timeout, a name that does not exist) are values, never exceptions.
 *
 * @param outcome success, or the kind of failure
 * @param targets on success the addresses, each with its port and SRV weight; empty otherwise
 * @param ttlSeconds on success the smallest TTL of the records used, else 0
 * @param error why the resolution failed, fit for a log line; {@code null} on success
 */
public record DnsAnswer(Outcome outcome, List<Target> targets, long ttlSeconds, String error) {

  public DnsAnswer {
    targets = List.copyOf(targets);
  }

  /** How a resolution ended; the words are the metrics' {@code result} label. */
  public enum Outcome {
    /** At least one address. */
    SUCCESS("success"),
    /** The name does not exist (NXDOMAIN) or has no records of the kinds asked for. */
    EMPTY("empty"),
    /** A name server did not answer in time. */
    TIMEOUT("timeout"),
    /** Anything else: SERVFAIL, a malformed answer, a socket error. */
    FAILURE("failure");

    private final String label;

    Outcome(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }
  }

  /**
   * One address from the records.
   *
   * @param host the name whose A/AAAA record gave the address (for SRV, the record's target)
   * @param ip the address in its text form (RFC 5952 for IPv6)
   * @param port the entry's port, or the SRV record's
   * @param weight the SRV record's weight (0 to 65535); 0 for A/AAAA entries
   */
  public record Target(String host, String ip, int port, int weight) {
    /** {@code ip:port}, or {@code [ip]:port} for IPv6. */
    public String address() {
      return (ip.indexOf(':') >= 0 ? "[" + ip + "]" : ip) + ":" + port;
    }
  }

  static DnsAnswer success(List<Target> targets, long ttlSeconds) {
    return new DnsAnswer(Outcome.SUCCESS, targets, ttlSeconds, null);
  }

  static DnsAnswer failed(Outcome outcome, String error) {
    return new DnsAnswer(outcome, List.of(), 0, error);
  }
}
