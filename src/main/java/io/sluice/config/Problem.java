package io.sluice.config;

/**
 * A problem found while binding or validating, named by its key path; the loader turns it into a
 * {@link ConfigError} once it has looked up where that key stands in the file.
 */
record Problem(String path, String message) {}
