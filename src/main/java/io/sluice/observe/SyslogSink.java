package io.sluice.observe;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * One RFC 5424 message per line over UDP (RFC 5426): {@code <PRI>1 TIMESTAMP HOSTNAME sluice PROCID
 * access - LINE}, severity informational, no structured data. A lost datagram is a lost line, as
 * with every syslog over UDP; a send that fails (nobody listening) is counted as dropped by the
 * writer and never stops it.
 *
 * <p>Threads: the log writer's only; the channel and buffers are reused for every line.
 */
final class SyslogSink implements LogSink {
  /**
   * Longest datagram sent: RFC 5424 §6.1 says receivers should accept 2048 octets; longer lines are
   * cut there rather than lost whole to a receiver that would drop them.
   */
  static final int MAX_MESSAGE = 2048;

  private static final int SEVERITY_INFORMATIONAL = 6;

  private static final DateTimeFormatter TIMESTAMP =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", Locale.ROOT)
          .withZone(ZoneOffset.UTC);

  private final DatagramChannel channel;
  private final String header;
  private final String rest;
  private final StringBuilder message = new StringBuilder(512);
  private final ByteBuffer datagram = ByteBuffer.allocate(MAX_MESSAGE);
  private final CharsetEncoder utf8 =
      StandardCharsets.UTF_8
          .newEncoder()
          .onMalformedInput(CodingErrorAction.REPLACE)
          .onUnmappableCharacter(CodingErrorAction.REPLACE);

  SyslogSink(InetSocketAddress address, int facility) throws IOException {
    this.channel = DatagramChannel.open();
    this.channel.connect(address);
    this.header = "<" + (facility * 8 + SEVERITY_INFORMATIONAL) + ">1 ";
    this.rest = " " + hostName() + " sluice " + ProcessHandle.current().pid() + " access - ";
  }

  /** RFC 5424 §6.2.4: the host's name without spaces, or the nil value. */
  private static String hostName() {
    try {
      String name = InetAddress.getLocalHost().getHostName();
      return name.isEmpty() || name.contains(" ") ? "-" : name;
    } catch (IOException e) {
      return "-";
    }
  }

  @Override
  public void write(CharSequence line) throws IOException {
    message.setLength(0);
    message.append(header);
    TIMESTAMP.formatTo(Instant.now(), message);
    message.append(rest).append(line);
    datagram.clear();
    utf8.reset();
    // An overflow only means the line is cut at MAX_MESSAGE bytes.
    utf8.encode(CharBuffer.wrap(message), datagram, true);
    datagram.flip();
    channel.write(datagram);
  }

  @Override
  public void flush() {}

  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException e) {
      // A datagram socket has nothing to lose on close.
    }
  }
}
