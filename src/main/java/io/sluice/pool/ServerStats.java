package io.sluice.pool;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * How one server's connections and requests went: the time each waited for a slot, new connections'
 * connect time, HTTP bodies' transfer times, the server's time to its response head, and its
 * responses by status class. Owned by its {@link Server}, so a server that stays across a reload
 * keeps its figures, and a new one starts from zero.
 *
 * <p>Recording allocates nothing and takes no lock: the event loops call these on every request.
 *
 * <p>Threads: any event loop records; the admin thread reads.
 */
public final class ServerStats {
  /** Index of responses whose status is outside 100 to 599. */
  public static final int OTHER_CLASS = 0;

  private final DurationHistogram queueWait = DurationHistogram.forProxy();
  private final DurationHistogram connect = DurationHistogram.forProxy();
  private final DurationHistogram requestBody = DurationHistogram.forProxy();
  private final DurationHistogram responseBody = DurationHistogram.forProxy();
  private final DurationHistogram firstByte = DurationHistogram.forProxy();

  /** Responses by status class: 1 to 5 for 1xx to 5xx, {@link #OTHER_CLASS} for the rest. */
  private final AtomicLongArray responses = new AtomicLongArray(6);

  /**
   * A connection or request was given a slot on this server after waiting {@code nanos} for it (0
   * when a slot was free at once).
   */
  public void queueWait(long nanos) {
    queueWait.record(nanos);
  }

  /**
   * A new connection to this server was ready (connected, and TLS done if any) after {@code nanos}.
   */
  public void connect(long nanos) {
    connect.record(nanos);
  }

  /** A request body went to this server from its first byte to its last in {@code nanos}. */
  public void requestBody(long nanos) {
    requestBody.record(nanos);
  }

  /** A response body came from this server from its first byte to its last in {@code nanos}. */
  public void responseBody(long nanos) {
    responseBody.record(nanos);
  }

  /** The server sent its response head {@code nanos} after it was sent the request. */
  public void firstByte(long nanos) {
    firstByte.record(nanos);
  }

  /** The server answered with {@code status}. */
  public void response(int status) {
    responses.getAndIncrement(status >= 100 && status < 600 ? status / 100 : OTHER_CLASS);
  }

  public DurationHistogram queueWait() {
    return queueWait;
  }

  public DurationHistogram connect() {
    return connect;
  }

  public DurationHistogram requestBody() {
    return requestBody;
  }

  public DurationHistogram responseBody() {
    return responseBody;
  }

  public DurationHistogram firstByte() {
    return firstByte;
  }

  /** Responses of {@code statusClass} (1 to 5), or of {@link #OTHER_CLASS} statuses. */
  public long responses(int statusClass) {
    return responses.get(statusClass);
  }
}
