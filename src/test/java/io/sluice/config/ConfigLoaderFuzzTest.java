package io.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes the configuration loader with any bytes for a file: it returns a configuration or errors,
 * never throws and never hangs (the timeout), and every error names the file, a line and column in
 * it and a key path, the shape {@code sluice validate} prints. A file that is not UTF-8 is an
 * error, not an exception.
 */
class ConfigLoaderFuzzTest {
  private static Path file;

  @BeforeAll
  static void createFile() throws IOException {
    file = Files.createTempFile("sluice-fuzz", ".yaml");
  }

  @AfterAll
  static void deleteFile() throws IOException {
    Files.deleteIfExists(file);
  }

  @FuzzTest
  @Timeout(10)
  void returnsAConfigurationOrErrorsForAnyBytes(byte[] bytes) {
    try {
      Files.write(file, bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    check(ConfigLoader.load(file), file.toString());
    check(ConfigLoader.parse(new String(bytes, StandardCharsets.UTF_8), "fuzz.yaml"), "fuzz.yaml");
  }

  private static void check(ConfigResult result, String fileName) {
    assertThat(result).isNotNull();
    if (result.ok()) {
      assertThat(result.config()).isNotNull();
      return;
    }
    for (ConfigError error : result.errors()) {
      assertThat(error.file()).isEqualTo(fileName);
      if (error.line() == 0) {
        // Only a file that cannot be read at all has no place in it.
        assertThat(error.column()).isZero();
        assertThat(error.message()).startsWith("cannot read the file");
      } else {
        assertThat(error.line()).isPositive();
        assertThat(error.column()).isPositive();
      }
      assertThat(error.key()).isNotBlank();
      assertThat(error.message()).isNotBlank();
      assertThat(error.toString()).startsWith(fileName + ":" + error.line() + ":");
    }
  }
}
