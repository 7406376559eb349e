package io.sluice.testing;

import static org.assertj.core.api.Assertions.fail;

import java.io.File;
import org.junit.jupiter.api.Assumptions;

/**
 * Finds the external programs tests talk to. A missing peer skips the test on a developer's machine
 * and fails it under {@code SLUICE_REQUIRE_PEERS=1} (CI), where a skip would hide lost coverage.
 */
public final class Peers {
  private Peers() {}

  /** The absolute path of {@code program} on the PATH (or in /usr/sbin). */
  public static String require(String program) {
    String path = System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/usr/local/sbin";
    for (String dir : path.split(File.pathSeparator)) {
      File candidate = new File(dir, program);
      if (candidate.canExecute()) {
        return candidate.getAbsolutePath();
      }
    }
    String message = program + " is not installed";
    if ("1".equals(System.getenv("SLUICE_REQUIRE_PEERS"))) {
      fail(message + " and SLUICE_REQUIRE_PEERS=1");
    }
    Assumptions.abort(message);
    return program;
  }
}
