package io.sluice.health;

import io.netty.channel.EventLoop;
import io.sluice.pool.Server;
import java.util.function.Consumer;

/** One kind of active check; one instance per pool, run on the health loop only. */
interface HealthCheck {
  /**
   * Checks {@code server} once, on {@code loop}, and hands the outcome to {@code done} exactly
   * once, within the check's timeout.
   */
  void run(Server server, EventLoop loop, Consumer<CheckOutcome> done);
}
