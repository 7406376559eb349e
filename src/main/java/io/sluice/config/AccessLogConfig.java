package io.sluice.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * Where access-log lines go and how they read.
 *
 * @param path a file to append to (reopened on {@code SIGUSR1} and when logrotate moves it), {@code
 *     stdout}, or {@code off}; absent: {@code stdout}, unless {@code syslog} is given
 * @param queue lines held for the writer thread; when full, lines are dropped and counted rather
 *     than blocking an event loop
 * @param format {@code tcplog} (HAProxy's order, the default), {@code json} (one object per line)
 *     or {@code custom} (the {@code template})
 * @param template for {@code custom}: text with {@code %{field}} placeholders ({@link #FIELDS}) and
 *     {@code %%} for a percent sign
 * @param syslog {@code host:port} of a syslog receiver: lines go there as RFC 5424 messages over
 *     UDP instead of to {@code path}
 * @param facility the syslog facility, {@code local0} by default: the facility sites reserve for
 *     their own programs
 */
public record AccessLogConfig(
    String path, Integer queue, Format format, String template, String syslog, Facility facility) {
  /** 65,536 lines: about 15 s of a 4k/s storm if the disk stalls, some 10 MiB at most. */
  public static final int DEFAULT_QUEUE = 65_536;

  public static final AccessLogConfig DEFAULT = new AccessLogConfig(null, null);

  /** The fields a {@code custom} template may name; the access log writes the same ones. */
  public static final List<String> FIELDS =
      List.of(
          "time",
          "accept_date",
          "client",
          "listener",
          "pool",
          "server",
          "tw",
          "tc",
          "tt",
          "bytes_in",
          "bytes_out",
          "term",
          "tls",
          "treq",
          "tresp",
          "ta",
          "status",
          "retries",
          "request");

  public AccessLogConfig {
    path = path == null && syslog == null ? "stdout" : path;
    queue = queue == null ? DEFAULT_QUEUE : queue;
    format = format == null ? Format.TCPLOG : format;
    facility = facility == null ? Facility.LOCAL0 : facility;
  }

  /** How a line reads. */
  public enum Format {
    @JsonProperty("tcplog")
    TCPLOG,
    @JsonProperty("json")
    JSON,
    @JsonProperty("custom")
    CUSTOM
  }

  /** A {@code tcplog} log to {@code path}. */
  public AccessLogConfig(String path, Integer queue) {
    this(path, queue, null, null, null, null);
  }

  /** Syslog facilities in code order (RFC 5424 §6.2.1): the code is the ordinal. */
  public enum Facility {
    @JsonProperty("kern")
    KERN,
    @JsonProperty("user")
    USER,
    @JsonProperty("mail")
    MAIL,
    @JsonProperty("daemon")
    DAEMON,
    @JsonProperty("auth")
    AUTH,
    @JsonProperty("syslog")
    SYSLOG,
    @JsonProperty("lpr")
    LPR,
    @JsonProperty("news")
    NEWS,
    @JsonProperty("uucp")
    UUCP,
    @JsonProperty("cron")
    CRON,
    @JsonProperty("authpriv")
    AUTHPRIV,
    @JsonProperty("ftp")
    FTP,
    @JsonProperty("ntp")
    NTP,
    @JsonProperty("audit")
    AUDIT,
    @JsonProperty("alert")
    ALERT,
    @JsonProperty("clock")
    CLOCK,
    @JsonProperty("local0")
    LOCAL0,
    @JsonProperty("local1")
    LOCAL1,
    @JsonProperty("local2")
    LOCAL2,
    @JsonProperty("local3")
    LOCAL3,
    @JsonProperty("local4")
    LOCAL4,
    @JsonProperty("local5")
    LOCAL5,
    @JsonProperty("local6")
    LOCAL6,
    @JsonProperty("local7")
    LOCAL7;

    /** The numeric facility of the PRI field. */
    public int code() {
      return ordinal();
    }
  }
}
