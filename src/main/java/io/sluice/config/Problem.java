package io.sluice.config;

/**
 * A problem found while binding or validating, named by its key path; the loader turns it into a
 * {@link ConfigError} once it has looked up where that key stands in the file.
 *
 * @param valueOffset where inside the key's text value the problem is (a template's unknown field),
 *     so the error points at it; -1 to point at the key
 */
record Problem(String path, String message, int valueOffset) {
  Problem(String path, String message) {
    this(path, message, -1);
  }
}
