package io.sluice.observe;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;

/**
 * An access-log file, reopened when asked ({@code SIGUSR1}) and when the path no longer names the
 * file being written: logrotate's default moves the file away and, without {@code copytruncate},
 * Sluice would write into the rotated file forever. The check compares the file key (device and
 * inode on Linux) of the path with that of the open file, one {@code stat} a second.
 *
 * <p>Threads: the log writer's only.
 */
final class FileSink implements LogSink {
  private final Path path;
  private Writer out;
  private Object fileKey;

  FileSink(Path path) throws IOException {
    this.path = path;
    open();
  }

  private void open() throws IOException {
    out =
        Files.newBufferedWriter(
            path, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    fileKey = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
  }

  @Override
  public void write(CharSequence line) throws IOException {
    out.append(line).append('\n');
  }

  @Override
  public void flush() throws IOException {
    out.flush();
  }

  @Override
  public void reopen() throws IOException {
    closeQuietly();
    open();
  }

  @Override
  public void check() throws IOException {
    Object current;
    try {
      current = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
    } catch (NoSuchFileException e) {
      current = null;
    }
    if (current == null || !Objects.equals(current, fileKey)) {
      reopen();
    }
  }

  @Override
  public void close() {
    closeQuietly();
  }

  private void closeQuietly() {
    try {
      out.close();
    } catch (IOException e) {
      // The lines still buffered are lost with the file; the next open starts clean.
    }
  }
}
