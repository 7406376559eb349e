package io.sluice.balance;

/**
 * Fills servers in their configured order: the first with room takes the connection. With
 * per-server limits this keeps as few servers busy as possible, so the rest can be scaled down
 * (HAProxy's {@code first}).
 */
public final class FirstAvailable implements Balancer {
  @Override
  public int pick(ServerView view, long hash, int avoid) {
    int size = view.size();
    for (int i = 0; i < size; i++) {
      if (i != avoid && view.hasRoom(i)) {
        return i;
      }
    }
    return avoid != NONE && avoid < size && view.hasRoom(avoid) ? avoid : NONE;
  }
}
