package io.sluice.config;

/** A 1-based line and column in a YAML file. */
record Location(int line, int column) {
  static final Location START = new Location(1, 1);
}
