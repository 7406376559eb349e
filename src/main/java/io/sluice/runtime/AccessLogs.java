package io.sluice.runtime;

import io.sluice.config.AccessLogConfig;
import io.sluice.config.Endpoint;
import io.sluice.net.SocketAddresses;
import io.sluice.observe.AccessLog;
import io.sluice.observe.LineFormat;
import io.sluice.observe.LogSink;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;

/** Builds the access log a configuration describes: its format and where the lines go. */
final class AccessLogs {
  private AccessLogs() {}

  static AccessLog open(AccessLogConfig config) throws StartException {
    if ("off".equals(config.path())) {
      return AccessLog.off();
    }
    LineFormat format =
        switch (config.format()) {
          case TCPLOG -> LineFormat.tcpLog();
          case JSON -> LineFormat.json();
          case CUSTOM -> LineFormat.template(config.template());
        };
    LogSink sink;
    try {
      if (config.syslog() != null) {
        InetSocketAddress address =
            (InetSocketAddress) SocketAddresses.of(Endpoint.parse(config.syslog()));
        sink = LogSink.syslog(address, config.facility().code());
      } else if ("stdout".equals(config.path())) {
        sink = LogSink.stdout();
      } else {
        sink = LogSink.file(Path.of(config.path()));
      }
    } catch (IOException | IllegalArgumentException e) {
      throw new StartException("cannot open the access log: " + e.getMessage(), e);
    }
    return AccessLog.start(format, sink, config.queue());
  }
}
