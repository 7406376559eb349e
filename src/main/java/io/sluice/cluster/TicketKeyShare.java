package io.sluice.cluster;

import io.sluice.tls.TlsTerminator;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One TLS listener's session-ticket keys, shared by the fleet through Redis: whichever instance
 * holds the rotation lease adds a new key every {@code session_tickets.rotate}; every instance
 * installs the newest three, the newest encrypting, so a client resumes on any instance with a
 * ticket from the last three periods (the session lifetime, two periods, ends it first).
 *
 * <p>Threads: the fleet thread only.
 */
final class TicketKeyShare {
  private static final Logger log = LoggerFactory.getLogger(TicketKeyShare.class);

  /** Keys that decrypt: the newest and two before it. */
  private static final int KEPT = 3;

  private static final int KEY_BYTES = 48;

  private final String listener;
  private final TlsTerminator terminator;
  private final String leaseKey;
  private final String keysKey;
  private final long leaseMillis;
  private final SecureRandom random = new SecureRandom();
  private String installed;

  TicketKeyShare(String listener, TlsTerminator terminator, String prefix, long leaseMillis) {
    this.listener = listener;
    this.terminator = terminator;
    this.leaseKey = prefix + ":tickets:" + listener + ":lease";
    this.keysKey = prefix + ":tickets:" + listener;
    this.leaseMillis = leaseMillis;
  }

  /** Renews or takes the rotation lease, rotates if due, and installs changed keys. */
  void sync(RedisLink redis, String instance) {
    byte[] fresh = new byte[KEY_BYTES];
    random.nextBytes(fresh);
    Object reply =
        redis.eval(
            Scripts.TICKET_KEYS,
            List.of(leaseKey, keysKey),
            List.of(
                instance,
                Long.toString(leaseMillis),
                Long.toString(Math.max(1000, terminator.ticketKeyPeriod().toMillis())),
                Base64.getEncoder().encodeToString(fresh),
                Integer.toString(KEPT),
                installed == null ? "" : installed));
    String keys = Fleet.text(reply);
    if (keys == null || keys.equals(installed)) {
      return;
    }
    List<byte[]> decoded = new ArrayList<>();
    try {
      for (String key : keys.split(",")) {
        decoded.add(Base64.getDecoder().decode(key));
      }
      terminator.shareTicketKeys(decoded);
    } catch (IllegalArgumentException e) {
      log.warn("listener {}: keeping the ticket keys in use: {}", listener, e.getMessage());
      installed = keys;
      return;
    }
    if (installed == null) {
      log.info("listener {}: ticket keys shared by the fleet", listener);
    }
    installed = keys;
  }
}
