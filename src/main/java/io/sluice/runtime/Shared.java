package io.sluice.runtime;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.sluice.health.HealthService;
import io.sluice.net.ProcessAdmission;
import io.sluice.net.Transport;
import io.sluice.observe.AccessLog;
import io.sluice.tls.SigningPool;
import java.util.function.Supplier;

/**
 * What every listener and pool of a process shares and no reload replaces: event loops, the
 * process-wide admission, health checks, the access log, the set of open client connections, and
 * the crypto pool (made when the first TLS listener needs it).
 */
record Shared(
    Transport transport,
    EventLoopGroup loops,
    ProcessAdmission admission,
    HealthService health,
    AccessLog accessLog,
    ChannelGroup connections,
    Supplier<SigningPool> signingPool) {}
