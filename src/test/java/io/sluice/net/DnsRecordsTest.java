package io.sluice.net;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.dns.DefaultDnsQuestion;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.resolver.dns.DnsNameResolverTimeoutException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Reading SRV records and judging answers, without a network. */
class DnsRecordsTest {

  /** A name in DNS wire format: length-prefixed labels, then 0. */
  private static void writeName(ByteBuf buf, String name) {
    for (String label : name.split("\\.")) {
      buf.writeByte(label.length());
      buf.writeCharSequence(label, StandardCharsets.US_ASCII);
    }
    buf.writeByte(0);
  }

  @Test
  void readsAnSrvRecordWhoseTargetPointsIntoTheMessage() {
    ByteBuf message = Unpooled.buffer();
    try {
      writeName(message, "web.test"); // at offset 0, as the question's name would be
      int rdata = message.writerIndex();
      message.writeShort(1).writeShort(40).writeShort(8080);
      // "node-1" then a pointer to "web.test" at offset 0 (RFC 1035 section 4.1.4).
      message.writeByte(6).writeCharSequence("node-1", StandardCharsets.US_ASCII);
      message.writeShort(0xC000);
      ByteBuf data = message.duplicate().setIndex(rdata, message.writerIndex());

      DnsRecords.SrvRecord record = DnsRecords.decodeSrv(data, 30);

      assertThat(record).isEqualTo(new DnsRecords.SrvRecord(1, 40, 8080, "node-1.web.test", 30));
    } finally {
      message.release();
    }
  }

  @Test
  void aTargetOfTheRootMeansTheServiceIsNotOffered() {
    ByteBuf data = Unpooled.buffer();
    try {
      data.writeShort(0).writeShort(0).writeShort(8080).writeByte(0);

      assertThat(DnsRecords.decodeSrv(data, 30)).isNull();
    } finally {
      data.release();
    }
  }

  @Test
  void onlyTheLowestPriorityValueIsUsed() {
    DnsRecords.SrvRecord first = new DnsRecords.SrvRecord(10, 5, 80, "a.test", 60);
    DnsRecords.SrvRecord backup = new DnsRecords.SrvRecord(20, 50, 80, "b.test", 60);
    DnsRecords.SrvRecord second = new DnsRecords.SrvRecord(10, 1, 81, "c.test", 60);

    assertThat(DnsRecords.lowestPriority(List.of(backup, first, second)))
        .containsExactly(first, second);
  }

  @Test
  void aTimeoutAnywhereInTheCauseIsATimeout() {
    UnknownHostException failed = new UnknownHostException("Failed to resolve 'web.test'");
    failed.initCause(
        new DnsNameResolverTimeoutException(
            new InetSocketAddress("127.0.0.1", 53),
            new DefaultDnsQuestion("web.test", DnsRecordType.A),
            "timed out"));

    assertThat(DnsRecords.classify(failed)).isEqualTo(DnsAnswer.Outcome.TIMEOUT);
    assertThat(DnsRecords.describe(DnsAnswer.Outcome.TIMEOUT, failed, "web.test.", DnsRecordType.A))
        .isEqualTo("no answer to A web.test from 127.0.0.1:53 in time");
  }

  @Test
  void anAnswerWithoutRecordsIsEmptyAndAnythingElseAFailure() {
    UnknownHostException noRecords = new UnknownHostException("Failed to resolve 'web.test'");
    UnknownHostException broken = new UnknownHostException("Failed to resolve 'web.test'");
    broken.initCause(new IOException("Network unreachable"));

    assertThat(DnsRecords.classify(noRecords)).isEqualTo(DnsAnswer.Outcome.EMPTY);
    assertThat(
            DnsRecords.describe(DnsAnswer.Outcome.EMPTY, noRecords, "Web.Test", DnsRecordType.AAAA))
        .isEqualTo("no AAAA records for web.test");
    assertThat(DnsRecords.classify(broken)).isEqualTo(DnsAnswer.Outcome.FAILURE);
  }

  private static DnsRecords.Found found(long ttl, String... ips) {
    DnsRecords.Found found = new DnsRecords.Found();
    found.ips.addAll(List.of(ips));
    found.ttlSeconds = ttl;
    return found.settle("x");
  }

  @Test
  void srvTargetsGiveEveryAddressTheirRecordsPortAndWeightAndTheSmallestTtl() {
    List<DnsRecords.SrvRecord> records =
        List.of(
            new DnsRecords.SrvRecord(0, 10, 8080, "a.test", 30),
            new DnsRecords.SrvRecord(0, 20, 9090, "b.test", 60),
            new DnsRecords.SrvRecord(0, 5, 7070, "gone.test", 60));
    Map<String, DnsRecords.Found> byHost = new LinkedHashMap<>();
    byHost.put("a.test", found(5, "10.0.0.1", "10.0.0.2"));
    byHost.put("b.test", found(60, "fd00::2"));
    DnsRecords.Found gone = new DnsRecords.Found();
    gone.failed(DnsAnswer.Outcome.EMPTY, "no A records for gone.test");
    byHost.put("gone.test", gone.settle("gone.test"));

    DnsAnswer answer = DnsRecords.combine(records, byHost);

    assertThat(answer.outcome()).isEqualTo(DnsAnswer.Outcome.SUCCESS);
    assertThat(answer.ttlSeconds()).isEqualTo(5);
    assertThat(answer.targets())
        .containsExactly(
            new DnsAnswer.Target("a.test", "10.0.0.1", 8080, 10),
            new DnsAnswer.Target("a.test", "10.0.0.2", 8080, 10),
            new DnsAnswer.Target("b.test", "fd00::2", 9090, 20));
    assertThat(answer.targets().get(2).address()).isEqualTo("[fd00::2]:9090");
  }

  @Test
  void anSrvTargetThatTimesOutFailsTheWholeAnswer() {
    List<DnsRecords.SrvRecord> records =
        List.of(
            new DnsRecords.SrvRecord(0, 10, 8080, "a.test", 30),
            new DnsRecords.SrvRecord(0, 20, 9090, "b.test", 60));
    Map<String, DnsRecords.Found> byHost = new LinkedHashMap<>();
    byHost.put("a.test", found(5, "10.0.0.1"));
    DnsRecords.Found slow = new DnsRecords.Found();
    slow.ips.add("10.0.0.9"); // its A answered, its AAAA did not
    slow.failed(DnsAnswer.Outcome.TIMEOUT, "no answer to AAAA b.test from 10.0.0.53:53 in time");
    byHost.put("b.test", slow.settle("b.test"));

    DnsAnswer answer = DnsRecords.combine(records, byHost);

    assertThat(answer.outcome()).isEqualTo(DnsAnswer.Outcome.TIMEOUT);
    assertThat(answer.targets()).isEmpty();
    assertThat(answer.error()).contains("SRV target b.test");
  }

  @Test
  void oneFamilyWithoutRecordsLeavesTheOtherToDecide() {
    DnsRecords.Found found = new DnsRecords.Found();
    found.ips.add("10.0.0.1");
    found.failed(DnsAnswer.Outcome.EMPTY, "no AAAA records for web.test");

    assertThat(found.settle("web.test").outcome).isEqualTo(DnsAnswer.Outcome.SUCCESS);

    DnsRecords.Found neither = new DnsRecords.Found();
    neither.failed(DnsAnswer.Outcome.EMPTY, "no A records for web.test");
    neither.failed(DnsAnswer.Outcome.EMPTY, "no AAAA records for web.test");
    assertThat(neither.settle("web.test").outcome).isEqualTo(DnsAnswer.Outcome.EMPTY);
    assertThat(neither.error).isEqualTo("no A records for web.test");
  }
}
