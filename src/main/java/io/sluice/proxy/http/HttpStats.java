package io.sluice.proxy.http;

import io.sluice.observe.TerminationCounters;
import io.sluice.observe.TerminationState;
import java.util.concurrent.atomic.LongAdder;

/**
 * Per-listener figures of the HTTP proxy: requests by how they ended and by status class, the
 * answers Sluice wrote itself by status class, overload answers, replays on another server.
 *
 * <p>Threads: event loops write; anyone reads.
 */
public final class HttpStats {
  private final TerminationCounters terminations = new TerminationCounters();
  private final LongAdder[] byClass = new LongAdder[6];
  private final LongAdder[] localByClass = new LongAdder[6];
  private final LongAdder overloadAnswers = new LongAdder();
  private final LongAdder retries = new LongAdder();
  private final LongAdder fullReplays = new LongAdder();
  private final LongAdder rejectedRequests = new LongAdder();

  public HttpStats() {
    for (int i = 0; i < byClass.length; i++) {
      byClass[i] = new LongAdder();
      localByClass[i] = new LongAdder();
    }
  }

  public TerminationCounters terminations() {
    return terminations;
  }

  /** Responses sent with a status of {@code statusClass}xx (1 to 5). */
  public long responses(int statusClass) {
    return byClass[statusClass].sum();
  }

  /**
   * Of the responses, those Sluice wrote itself with a status of {@code statusClass}xx (1 to 5):
   * overload answers, no route, errors in place of a server's answer, refused requests.
   */
  public long localAnswers(int statusClass) {
    return localByClass[statusClass].sum();
  }

  /** Requests answered at once with the overload status because no server had room. */
  public long overloadAnswers() {
    return overloadAnswers.sum();
  }

  /** Requests sent again to another server after a connect failure, reset or "full" answer. */
  public long retries() {
    return retries.sum();
  }

  /** Of the retries, those because a server answered that it was full. */
  public long fullReplays() {
    return fullReplays.sum();
  }

  /** Requests refused as malformed or over a limit (400, 414, 431). */
  public long rejectedRequests() {
    return rejectedRequests.sum();
  }

  void ended(TerminationState termination, int status) {
    terminations.count(termination);
    if (status >= 100 && status < 600) {
      byClass[status / 100].increment();
    }
  }

  void localAnswer(int status) {
    if (status >= 100 && status < 600) {
      localByClass[status / 100].increment();
    }
  }

  void overload() {
    overloadAnswers.increment();
  }

  void retried(boolean full) {
    retries.increment();
    if (full) {
      fullReplays.increment();
    }
  }

  void rejected() {
    rejectedRequests.increment();
  }
}
