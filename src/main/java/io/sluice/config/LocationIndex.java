package io.sluice.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Where each key and list item of a YAML document starts, by the same dotted path errors use. Bound
 * records no longer know where their values came from, so one streaming pass records it first.
 *
 * <p>The pass also reports what binding would silently accept: a key given twice (Jackson keeps the
 * last), an empty list item (dropped), an alias (read as the anchor's name, not its value) and a
 * second document (ignored). A syntax error ends the pass; it is then the only error worth showing,
 * since everything after it is guesswork.
 */
final class LocationIndex {
  private static final YAMLFactory YAML = new YAMLFactory();

  private final String file;
  private final Map<String, Location> locations = new HashMap<>();

  /** Where each scalar value under a key starts: the first character of its text. */
  private final Map<String, Location> valueLocations = new HashMap<>();

  private final String[] lines;
  private final List<ConfigError> errors = new ArrayList<>();

  /** The keys of each map the pass is inside, innermost first, to catch a key given twice. */
  private final Deque<Map<String, Location>> openMaps = new ArrayDeque<>();

  private JsonToken rootToken;
  private boolean rootHasKeys;
  private ConfigError syntaxError;

  private LocationIndex(String file, String yaml) {
    this.file = file;
    this.lines = yaml.split("\n", -1);
  }

  static LocationIndex scan(String yaml, String file) {
    LocationIndex index = new LocationIndex(file, yaml);
    try (YAMLParser parser = YAML.createParser(yaml)) {
      index.scanTokens(parser);
    } catch (IOException e) {
      index.syntaxError = index.syntaxError(e, "");
    }
    return index;
  }

  /** The location of a path, or of its nearest enclosing key when the path itself is absent. */
  Location locate(String path) {
    for (String at = path; ; at = KeyPath.parent(at)) {
      Location location = locations.get(at);
      if (location != null) {
        return location;
      }
      if (at.isEmpty()) {
        return Location.START;
      }
    }
  }

  /**
   * Where the text of the scalar value at {@code path} starts (after an opening quote), or {@code
   * null} when the path holds no scalar.
   */
  Location locateValueText(String path) {
    return valueLocations.get(path);
  }

  /** The syntax error that stopped the pass, or {@code null}. */
  ConfigError syntaxError() {
    return syntaxError;
  }

  /** No document, a null one, or a map without keys. */
  boolean isEmpty() {
    return rootToken == null
        || rootToken == JsonToken.VALUE_NULL
        || (rootToken == JsonToken.START_OBJECT && !rootHasKeys);
  }

  /** Problems the pass found that binding would let through. */
  List<ConfigError> errors() {
    return List.copyOf(errors);
  }

  private void scanTokens(YAMLParser parser) {
    try {
      JsonToken token;
      while ((token = parser.nextToken()) != null && accept(parser, token)) {
        // accept() has recorded the token
      }
    } catch (IOException e) {
      syntaxError = syntaxError(e, KeyPath.of(parser));
    }
  }

  /** Records one token; false once the rest of the stream is to be ignored. */
  private boolean accept(YAMLParser parser, JsonToken token) throws IOException {
    switch (token) {
      case END_OBJECT -> openMaps.pop();
      case END_ARRAY -> {}
      case FIELD_NAME -> acceptKey(parser);
      default -> {
        if (!acceptValue(parser, token)) {
          return false;
        }
        if (token == JsonToken.START_OBJECT) {
          openMaps.push(new HashMap<>());
        }
      }
    }
    return true;
  }

  private void acceptKey(YAMLParser parser) throws IOException {
    String path = KeyPath.of(parser);
    String key = parser.currentName();
    Location location = locationOf(parser.currentTokenLocation());
    Location first = openMaps.peek().putIfAbsent(key, location);
    if (first != null) {
      report(
          location, path, "key '" + key + "' is given twice (first at line " + first.line() + ")");
    }
    if (openMaps.size() == 1) {
      rootHasKeys = true;
    }
    locations.put(path, location);
  }

  private boolean acceptValue(YAMLParser parser, JsonToken token) throws IOException {
    JsonStreamContext context = parser.getParsingContext();
    JsonStreamContext container = token.isStructStart() ? context.getParent() : context;
    String path = KeyPath.of(parser);
    Location location = locationOf(parser.currentTokenLocation());
    if (container.inRoot()) {
      if (rootToken != null) {
        report(location, "", "a second YAML document starts here; a configuration is one document");
        return false;
      }
      rootToken = token;
      locations.put(path, location);
    } else if (container.inObject() && token.isScalarValue()) {
      valueLocations.put(path, textStart(location));
    } else if (container.inArray()) {
      locations.put(path, location);
      if (token == JsonToken.VALUE_NULL) {
        report(location, path, "empty list item");
      }
    }
    if (parser.isCurrentAlias()) {
      report(
          locate(path),
          path,
          "YAML aliases (*" + parser.getText() + ") are not supported; write the value out");
    }
    return true;
  }

  /** A quoted scalar's location is its quote; its text starts one column later. */
  private Location textStart(Location location) {
    int line = location.line() - 1;
    int column = location.column() - 1;
    if (line < lines.length && column < lines[line].length()) {
      char first = lines[line].charAt(column);
      if (first == '"' || first == '\'') {
        return new Location(location.line(), location.column() + 1);
      }
    }
    return location;
  }

  private void report(Location location, String path, String message) {
    errors.add(
        new ConfigError(file, location.line(), location.column(), KeyPath.display(path), message));
  }

  private ConfigError syntaxError(IOException e, String path) {
    String key = KeyPath.display(path);
    if (e.getCause() instanceof MarkedYAMLException marked && marked.getProblemMark() != null) {
      Mark mark = marked.getProblemMark();
      return new ConfigError(
          file, mark.getLine() + 1, mark.getColumn() + 1, key, "invalid YAML: " + describe(marked));
    }
    Location location =
        e instanceof JsonProcessingException processing && processing.getLocation() != null
            ? locationOf(processing.getLocation())
            : Location.START;
    String message =
        e instanceof JsonProcessingException processing
            ? processing.getOriginalMessage()
            : e.getMessage();
    return new ConfigError(
        file, location.line(), location.column(), key, "invalid YAML: " + message);
  }

  /** SnakeYAML's problem, and what it was parsing when it met it, on one line. */
  private static String describe(MarkedYAMLException marked) {
    String problem = marked.getProblem() == null ? "" : marked.getProblem().strip();
    String context = marked.getContext();
    if (context == null) {
      return problem;
    }
    Mark contextMark = marked.getContextMark();
    String where =
        contextMark == null
            ? ""
            : " at line "
                + (contextMark.getLine() + 1)
                + ", column "
                + (contextMark.getColumn() + 1);
    return problem + " (" + context.strip() + where + ")";
  }

  private static Location locationOf(JsonLocation location) {
    return new Location(Math.max(location.getLineNr(), 1), Math.max(location.getColumnNr(), 1));
  }
}
