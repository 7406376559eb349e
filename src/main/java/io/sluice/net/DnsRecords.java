package io.sluice.net;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.dns.DefaultDnsRecordDecoder;
import io.netty.handler.codec.dns.DnsRawRecord;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.resolver.dns.DnsErrorCauseException;
import io.netty.resolver.dns.DnsNameResolverTimeoutException;
import io.netty.util.NetUtil;
import io.netty.util.ReferenceCountUtil;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What name servers answered, read and judged: addresses and SRV records out of the records (each
 * released once read), the SRV records to use, each target's addresses combined into one answer,
 * and why a query found nothing. Pure functions over values, apart from the records' release.
 */
final class DnsRecords {
  private DnsRecords() {}

  /** Each SRV record with each address of its target; the TTL is the smallest of them all. */
  static DnsAnswer combine(List<SrvRecord> records, Map<String, Found> byHost) {
    long ttl = Long.MAX_VALUE;
    for (SrvRecord record : records) {
      ttl = Math.min(ttl, record.ttlSeconds());
    }
    for (Map.Entry<String, Found> target : byHost.entrySet()) {
      Found found = target.getValue();
      if (found.outcome == DnsAnswer.Outcome.TIMEOUT
          || found.outcome == DnsAnswer.Outcome.FAILURE) {
        return DnsAnswer.failed(
            found.outcome, "SRV target " + target.getKey() + ": " + found.error);
      }
      if (found.outcome == DnsAnswer.Outcome.SUCCESS) {
        ttl = Math.min(ttl, found.ttlSeconds);
      }
    }
    List<DnsAnswer.Target> targets = new ArrayList<>();
    for (SrvRecord record : records) {
      Found found = byHost.get(record.target());
      if (found == null) {
        continue; // beyond maxTargets
      }
      for (String ip : found.ips) {
        targets.add(
            new DnsAnswer.Target(host(record.target()), ip, record.port(), record.weight()));
      }
    }
    if (targets.isEmpty()) {
      return DnsAnswer.failed(
          DnsAnswer.Outcome.EMPTY, "no SRV target has an address: " + byHost.keySet());
    }
    return DnsAnswer.success(targets, ttl);
  }

  /**
   * What one name's address queries found, before it becomes an answer. Mutable, and touched by the
   * resolver's event loop only: one per name per lookup.
   */
  static final class Found {
    final List<String> ips = new ArrayList<>();
    long ttlSeconds = Long.MAX_VALUE;

    /** How the name's queries ended once all answered: set by {@link #settle}. */
    DnsAnswer.Outcome outcome;

    /** The worst failure of a query so far, {@code null} while none failed. */
    private DnsAnswer.Outcome failure;

    String error;

    /** A timeout or failure outranks an empty answer (of the other family); the first stands. */
    void failed(DnsAnswer.Outcome kind, String why) {
      if (failure == null || (failure == DnsAnswer.Outcome.EMPTY && kind != failure)) {
        failure = kind;
        error = why;
      }
    }

    /** Success needs an address and no query that timed out or failed. */
    Found settle(String name) {
      if (failure == DnsAnswer.Outcome.TIMEOUT || failure == DnsAnswer.Outcome.FAILURE) {
        outcome = failure;
      } else if (!ips.isEmpty()) {
        outcome = DnsAnswer.Outcome.SUCCESS;
        error = null;
      } else {
        outcome = DnsAnswer.Outcome.EMPTY;
        error = error != null ? error : "no address records for " + name;
      }
      return this;
    }
  }

  /** The addresses of the records of {@code type}; releases every record. */
  static void addAddresses(Found found, List<DnsRecord> records, DnsRecordType type) {
    int length = type == DnsRecordType.A ? 4 : 16;
    for (DnsRecord record : records) {
      try {
        if (record.type() == type
            && record instanceof DnsRawRecord raw
            && raw.content().readableBytes() == length) {
          byte[] ip = new byte[length];
          raw.content().getBytes(raw.content().readerIndex(), ip);
          String text = NetUtil.toAddressString(InetAddress.getByAddress(ip));
          if (!found.ips.contains(text)) {
            found.ips.add(text);
          }
          found.ttlSeconds = Math.min(found.ttlSeconds, record.timeToLive());
        }
      } catch (UnknownHostException e) {
        // Not reached: the length was checked.
      } finally {
        ReferenceCountUtil.release(record);
      }
    }
  }

  /**
   * One SRV record's data (RFC 2782).
   *
   * @param target the host, without the trailing dot; "." (service not offered) is left out
   */
  record SrvRecord(int priority, int weight, int port, String target, long ttlSeconds) {}

  /** The SRV records among {@code records}; releases every record. */
  static List<SrvRecord> decodeSrv(List<DnsRecord> records) {
    List<SrvRecord> decoded = new ArrayList<>();
    for (DnsRecord record : records) {
      try {
        if (record.type() == DnsRecordType.SRV
            && record instanceof DnsRawRecord raw
            && raw.content().readableBytes() >= 7) {
          SrvRecord srv = decodeSrv(raw.content(), record.timeToLive());
          if (srv != null) {
            decoded.add(srv);
          }
        }
      } finally {
        ReferenceCountUtil.release(record);
      }
    }
    return decoded;
  }

  /**
   * Priority, weight, port and target from an SRV record's data. The data is a view of the whole
   * message, so a target compressed with pointers into it (RFC 2782 forbids it; some servers do it
   * anyway) still reads.
   *
   * @return {@code null} for the target "." or an unreadable name
   */
  static SrvRecord decodeSrv(ByteBuf data, long ttlSeconds) {
    int start = data.readerIndex();
    int priority = data.getUnsignedShort(start);
    int weight = data.getUnsignedShort(start + 2);
    int port = data.getUnsignedShort(start + 4);
    String target;
    try {
      target = DefaultDnsRecordDecoder.decodeName(data.duplicate().readerIndex(start + 6));
    } catch (RuntimeException e) {
      return null;
    }
    if (target.equals(".") || port == 0) {
      return null;
    }
    return new SrvRecord(priority, weight, port, host(target), ttlSeconds);
  }

  static List<SrvRecord> lowestPriority(List<SrvRecord> records) {
    int lowest = Integer.MAX_VALUE;
    for (SrvRecord record : records) {
      lowest = Math.min(lowest, record.priority());
    }
    List<SrvRecord> kept = new ArrayList<>();
    for (SrvRecord record : records) {
      if (record.priority() == lowest) {
        kept.add(record);
      }
    }
    return kept;
  }

  /** A name as servers are named after it: lower case, without the root's trailing dot. */
  static String host(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    return lower.endsWith(".") && lower.length() > 1
        ? lower.substring(0, lower.length() - 1)
        : lower;
  }

  /** What kind of failure a failed resolution was. */
  static DnsAnswer.Outcome classify(Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof DnsNameResolverTimeoutException) {
        return DnsAnswer.Outcome.TIMEOUT;
      }
      if (t instanceof DnsErrorCauseException error) {
        return error.getCode().intValue() == DnsResponseCode.NXDOMAIN.intValue()
            ? DnsAnswer.Outcome.EMPTY
            : DnsAnswer.Outcome.FAILURE;
      }
    }
    // Name servers answered, with no records of the type asked for (NODATA).
    return cause instanceof UnknownHostException && cause.getCause() == null
        ? DnsAnswer.Outcome.EMPTY
        : DnsAnswer.Outcome.FAILURE;
  }

  /** Why a query found nothing, in a log line's words. */
  static String describe(
      DnsAnswer.Outcome outcome, Throwable cause, String name, DnsRecordType type) {
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof DnsNameResolverTimeoutException timeout) {
        return "no answer to "
            + type.name()
            + " "
            + host(name)
            + " from "
            + SocketAddresses.format(timeout.remoteAddress())
            + " in time";
      }
      if (t instanceof DnsErrorCauseException error) {
        return host(name) + ": " + error.getCode().toString() + " to " + type.name();
      }
    }
    if (outcome == DnsAnswer.Outcome.EMPTY) {
      return "no " + type.name() + " records for " + host(name);
    }
    return type.name() + " " + host(name) + ": " + cause;
  }
}
