package io.sluice.config;

/**
 * One thing wrong with a configuration file, placed so an editor can jump to it.
 *
 * @param file the file name as given to the loader
 * @param line 1-based line of the offending key or value; 0 when the file could not be read
 * @param column 1-based column, 0 when the file could not be read
 * @param key the dotted path of the key, with list indexes: {@code pools[0].servers[1].weight};
 *     {@code (root)} for the document as a whole
 * @param message what is wrong and, where it helps, what was expected
 */
public record ConfigError(String file, int line, int column, String key, String message) {

  /** {@code file:line:column: key: message}, the shape compilers use and editors understand. */
  @Override
  public String toString() {
    return file + ":" + line + ":" + column + ": " + key + ": " + message;
  }
}
