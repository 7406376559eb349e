package io.sluice.testing;

import io.sluice.runtime.SluiceRuntime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;

/**
 * Integration tests that run Sluice in-process against real sockets: the runtime under test in
 * {@link #sluice}, and the peers a test starts kept with {@link #keep} so that they are closed
 * after it, whatever happened.
 */
public abstract class RuntimeTest {
  private final List<AutoCloseable> resources = new ArrayList<>();

  /** The runtime under test, if the test started one; stopped after each test. */
  protected SluiceRuntime sluice;

  /** Closes {@code resource} after the test. */
  protected final <T extends AutoCloseable> T keep(T resource) {
    resources.add(resource);
    return resource;
  }

  @AfterEach
  final void stopEverything() throws Exception {
    if (sluice != null) {
      sluice.stop(Duration.ZERO);
    }
    for (AutoCloseable resource : resources) {
      resource.close();
    }
  }
}
