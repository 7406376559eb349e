package io.sluice.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Dotted key paths such as {@code pools[0].servers[1].weight}: the one way errors name a place in
 * the file, whether they come from the location scan, from binding or from validation. All three
 * must spell a path identically, or an error would not find its line.
 */
final class KeyPath {
  /** How the document itself is named in an error, where no key is at fault. */
  static final String ROOT = "(root)";

  private KeyPath() {}

  /**
   * The path of the token the parser is on: a key, a list item, or a value (named by its key). A
   * container the parser has just entered has no key or item yet and adds nothing, so a map value
   * is named by the key that holds it.
   */
  static String of(JsonParser parser) {
    Deque<String> segments = new ArrayDeque<>();
    for (JsonStreamContext context = parser.getParsingContext();
        context != null && !context.inRoot();
        context = context.getParent()) {
      if (context.inObject() && context.hasCurrentName()) {
        segments.push(context.getCurrentName());
      } else if (context.inArray() && context.getEntryCount() > 0) {
        segments.push("[" + context.getCurrentIndex() + "]");
      }
    }
    StringBuilder path = new StringBuilder();
    for (String segment : segments) {
      if (path.length() > 0 && !segment.startsWith("[")) {
        path.append('.');
      }
      path.append(segment);
    }
    return path.toString();
  }

  static String child(String parent, String key) {
    return parent.isEmpty() ? key : parent + "." + key;
  }

  static String item(String list, int index) {
    return list + "[" + index + "]";
  }

  /** The enclosing path: {@code a.b[2]} for {@code a.b[2].c}, {@code a.b} for {@code a.b[2]}. */
  static String parent(String path) {
    int cut = Math.max(path.lastIndexOf('.'), path.lastIndexOf('['));
    return cut < 0 ? "" : path.substring(0, cut);
  }

  /** Whether {@code path} is {@code ancestor} or lies inside it. */
  static boolean isWithin(String path, String ancestor) {
    return path.equals(ancestor)
        || path.startsWith(ancestor + ".")
        || path.startsWith(ancestor + "[");
  }

  static String display(String path) {
    return path.isEmpty() ? ROOT : path;
  }
}
