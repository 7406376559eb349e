package io.sluice.runtime;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.sluice.admission.PipeBudget;
import io.sluice.cluster.Fleet;
import io.sluice.health.HealthService;
import io.sluice.net.ProcessAdmission;
import io.sluice.net.Transport;
import io.sluice.observe.AccessLog;
import io.sluice.observe.SpanExporter;
import io.sluice.tls.AcmeChallenges;
import io.sluice.tls.SigningPool;
import java.util.function.Supplier;

/**
 * What every listener and pool of a process shares and no reload replaces: event loops, the
 * process-wide admission, health checks, the access log, the set of open client connections, and
 * the crypto pool (made when the first TLS listener needs it), the fleet (fixed at start), the span
 * exporter (made when the first HTTP listener needs it, with {@code tracing}), the ACME challenges
 * in progress (a TLS listener's order may be validated on an {@code http} listener), and the pipes
 * splicing may hold ({@code max_pipes}, fixed at start).
 */
record Shared(
    Transport transport,
    EventLoopGroup loops,
    ProcessAdmission admission,
    HealthService health,
    AccessLog accessLog,
    ChannelGroup connections,
    Supplier<SigningPool> signingPool,
    Fleet fleet,
    Supplier<SpanExporter> spans,
    AcmeChallenges challenges,
    PipeBudget pipes) {}
