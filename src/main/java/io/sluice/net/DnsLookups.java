package io.sluice.net;

import io.netty.channel.EventLoop;
import io.netty.handler.codec.dns.DefaultDnsQuestion;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.resolver.HostsFileEntriesResolver;
import io.netty.resolver.dns.DnsNameResolver;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.resolver.dns.NoopAuthoritativeDnsServerCache;
import io.netty.resolver.dns.NoopDnsCache;
import io.netty.resolver.dns.NoopDnsCnameCache;
import io.netty.resolver.dns.SequentialDnsServerAddressStreamProvider;
import io.netty.util.concurrent.Future;
import io.sluice.config.AddressFamily;
import io.sluice.config.DnsConfig;
import io.sluice.config.Endpoint;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;

/**
 * Asks name servers for the A, AAAA and SRV records of pools' DNS entries, with Netty's
 * asynchronous resolver: queries and answers run on one event loop, so a slow or silent name server
 * costs a timer, never a blocked thread. Each answer comes with the smallest TTL of the records it
 * used. Nothing is cached here and {@code /etc/hosts} is not read: every lookup asks a name server,
 * since the point is to see records change.
 *
 * <p>Threads: {@link #addresses} and {@link #service} may be called from any thread; everything
 * else, the callbacks included, runs on the resolver's event loop, which owns every field.
 */
public final class DnsLookups implements AutoCloseable {
  /** Answers from DNS only: a name in /etc/hosts would never change. */
  private static final HostsFileEntriesResolver NO_HOSTS_FILE = (name, types) -> null;

  private final EventLoop loop;
  private final DnsNameResolver resolver;

  private DnsLookups(EventLoop loop, DnsNameResolver resolver) {
    this.loop = loop;
    this.resolver = resolver;
  }

  /**
   * A resolver on {@code loop} asking {@code config}'s name servers in order, or those of {@code
   * /etc/resolv.conf} (with its search list and {@code ndots}) when it names none.
   */
  public static DnsLookups start(EventLoop loop, Transport transport, DnsConfig config) {
    DnsNameResolverBuilder builder =
        new DnsNameResolverBuilder(loop)
            .datagramChannelType(transport.datagramChannel())
            // Answers too long for a datagram are asked again over TCP.
            .socketChannelType(transport.streamChannel(), false)
            .queryTimeoutMillis(Math.max(1, config.timeout().toMillis()))
            .resolveCache(NoopDnsCache.INSTANCE)
            .cnameCache(NoopDnsCnameCache.INSTANCE)
            .authoritativeDnsServerCache(NoopAuthoritativeDnsServerCache.INSTANCE)
            .hostsFileEntriesResolver(NO_HOSTS_FILE)
            .recursionDesired(true);
    if (!config.servers().isEmpty()) {
      List<InetSocketAddress> servers = new ArrayList<>();
      for (String server : config.servers()) {
        servers.add((InetSocketAddress) SocketAddresses.of(Endpoint.parse(server)));
      }
      // Names are asked as written: the system's search list belongs to its own name servers.
      builder
          .nameServerProvider(new SequentialDnsServerAddressStreamProvider(servers))
          .searchDomains(List.of())
          .ndots(1);
    }
    return new DnsLookups(loop, builder.build());
  }

  /** The A and/or AAAA records of {@code name}; every address is a server on {@code port}. */
  public void addresses(String name, AddressFamily family, int port, Consumer<DnsAnswer> done) {
    onLoop(
        done,
        () ->
            queryAddresses(
                name,
                family,
                found -> {
                  if (found.outcome != DnsAnswer.Outcome.SUCCESS) {
                    done.accept(DnsAnswer.failed(found.outcome, found.error));
                    return;
                  }
                  List<DnsAnswer.Target> targets = new ArrayList<>();
                  found.ips.forEach(
                      ip -> targets.add(new DnsAnswer.Target(DnsRecords.host(name), ip, port, 0)));
                  done.accept(DnsAnswer.success(targets, found.ttlSeconds));
                }));
  }

  /**
   * The SRV records of {@code name} of the lowest priority value (RFC 2782: the ones to use while
   * any answers; Sluice has no backup servers), each target resolved to its addresses. A target
   * that does not exist is left out; one whose lookup times out or fails fails the whole answer, so
   * that a slow name server never takes servers away. At most {@code maxTargets} targets are looked
   * up (the first by name): each gives at least one address, and no more addresses are kept.
   */
  public void service(String name, AddressFamily family, int maxTargets, Consumer<DnsAnswer> done) {
    onLoop(
        done,
        () ->
            resolver
                .resolveAll(new DefaultDnsQuestion(name, DnsRecordType.SRV))
                .addListener(
                    (Future<List<DnsRecord>> answer) -> {
                      if (!answer.isSuccess()) {
                        DnsAnswer.Outcome outcome = DnsRecords.classify(answer.cause());
                        done.accept(
                            DnsAnswer.failed(
                                outcome,
                                DnsRecords.describe(
                                    outcome, answer.cause(), name, DnsRecordType.SRV)));
                        return;
                      }
                      List<DnsRecords.SrvRecord> records =
                          DnsRecords.lowestPriority(DnsRecords.decodeSrv(answer.getNow()));
                      if (records.isEmpty()) {
                        done.accept(
                            DnsAnswer.failed(
                                DnsAnswer.Outcome.EMPTY, "no usable SRV records for " + name));
                        return;
                      }
                      resolveTargets(records, family, maxTargets, done);
                    }));
  }

  private void resolveTargets(
      List<DnsRecords.SrvRecord> records,
      AddressFamily family,
      int maxTargets,
      Consumer<DnsAnswer> done) {
    TreeSet<String> hosts = new TreeSet<>();
    records.forEach(r -> hosts.add(r.target()));
    while (hosts.size() > maxTargets) {
      hosts.pollLast();
    }
    Map<String, DnsRecords.Found> byHost = new LinkedHashMap<>();
    for (String target : hosts) {
      queryAddresses(
          target,
          family,
          found -> {
            byHost.put(target, found);
            if (byHost.size() == hosts.size()) {
              done.accept(DnsRecords.combine(records, byHost));
            }
          });
    }
  }

  private void queryAddresses(String name, AddressFamily family, Consumer<DnsRecords.Found> done) {
    List<DnsRecordType> types =
        switch (family) {
          case ANY -> List.of(DnsRecordType.A, DnsRecordType.AAAA);
          case IPV4 -> List.of(DnsRecordType.A);
          case IPV6 -> List.of(DnsRecordType.AAAA);
        };
    DnsRecords.Found found = new DnsRecords.Found();
    int[] pending = {types.size()};
    for (DnsRecordType type : types) {
      resolver
          .resolveAll(new DefaultDnsQuestion(name, type))
          .addListener(
              (Future<List<DnsRecord>> answer) -> {
                if (answer.isSuccess()) {
                  DnsRecords.addAddresses(found, answer.getNow(), type);
                } else {
                  DnsAnswer.Outcome outcome = DnsRecords.classify(answer.cause());
                  found.failed(outcome, DnsRecords.describe(outcome, answer.cause(), name, type));
                }
                if (--pending[0] == 0) {
                  done.accept(found.settle(name));
                }
              });
    }
  }

  private void onLoop(Consumer<DnsAnswer> done, Runnable lookup) {
    try {
      loop.execute(lookup);
    } catch (RejectedExecutionException e) {
      done.accept(DnsAnswer.failed(DnsAnswer.Outcome.FAILURE, "the resolver is stopped"));
    }
  }

  /** Closes the resolver's sockets; lookups in flight fail. */
  @Override
  public void close() {
    try {
      loop.execute(resolver::close);
    } catch (RejectedExecutionException e) {
      // The loop is gone, and the sockets with it.
    }
  }
}
