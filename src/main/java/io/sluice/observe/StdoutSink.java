package io.sluice.observe;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;

/** Lines on standard output, for containers whose runtime collects it. Threads: the writer's. */
final class StdoutSink implements LogSink {
  private final Writer out =
      new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8));

  @Override
  public void write(CharSequence line) throws IOException {
    out.append(line).append('\n');
  }

  @Override
  public void flush() throws IOException {
    out.flush();
  }

  @Override
  public void close() {
    try {
      out.flush();
    } catch (IOException e) {
      // Standard output is gone; nothing is left to tell.
    }
  }
}
