package io.sluice.cli;

import java.lang.reflect.Proxy;
import java.util.concurrent.CountDownLatch;

/**
 * Turns SIGTERM and SIGINT into a graceful stop instead of the JVM's immediate exit with status
 * 143, SIGHUP into a reload, and SIGUSR1 into reopening the access log. The JDK's signal API is
 * reached by reflection: it is supported in practice on every JDK but compiling against it directly
 * draws a warning that the build treats as an error.
 */
final class StopSignals {
  private static final CountDownLatch STOP = new CountDownLatch(1);

  private StopSignals() {}

  /** Runs {@code reload} on the signal thread at each SIGHUP; it must hand the work off quickly. */
  static void onHangUp(Runnable reload) {
    install("HUP", reload);
  }

  /** Ends {@link #awaitStop()} as a stop signal would: a handover to a new process is done. */
  static void stop() {
    STOP.countDown();
  }

  /** Blocks until SIGTERM or SIGINT arrives, or {@link #stop()} is called. */
  static void awaitStop() {
    install("TERM", STOP::countDown);
    install("INT", STOP::countDown);
    try {
      STOP.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Runs {@code action} on each SIGUSR1: the signal logrotate's {@code postrotate} sends to have
   * the access log reopened. The action runs on the JVM's signal thread and must return quickly.
   */
  static void onReopen(Runnable action) {
    install("USR1", action);
  }

  private static void install(String name, Runnable action) {
    try {
      Class<?> signalClass = Class.forName("sun.misc.Signal");
      Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
      Object handler =
          Proxy.newProxyInstance(
              StopSignals.class.getClassLoader(),
              new Class<?>[] {handlerClass},
              (proxy, method, args) -> {
                if (method.getName().equals("handle")) {
                  action.run();
                }
                return null;
              });
      Object signal = signalClass.getConstructor(String.class).newInstance(name);
      signalClass.getMethod("handle", signalClass, handlerClass).invoke(null, signal, handler);
    } catch (ReflectiveOperationException | RuntimeException e) {
      // Without the signal API a stop falls back to the JVM's default: exit without draining.
      System.err.println("sluice: cannot handle SIG" + name + ": " + e);
    }
  }
}
