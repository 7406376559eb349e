package io.sluice.observe;

/**
 * One JSON object per line ({@code {"time":"...","client":"...",...}}), for log shippers that index
 * fields without a parsing rule. Keys are the {@link LogField} names; numbers are bare.
 */
final class JsonLineFormat implements LineFormat {
  static final JsonLineFormat INSTANCE = new JsonLineFormat();

  private static final LogField[] FIELDS = LogField.values();

  private JsonLineFormat() {}

  @Override
  public void append(StringBuilder line, LogRecord record) {
    line.append('{');
    boolean first = true;
    for (LogField field : FIELDS) {
      if (!record.has(field)) {
        continue;
      }
      if (!first) {
        line.append(',');
      }
      first = false;
      line.append('"').append(field.yamlName()).append("\":");
      if (record.isNumeric(field)) {
        record.appendField(field, line);
      } else {
        line.append('"');
        int start = line.length();
        record.appendField(field, line);
        escape(line, start);
        line.append('"');
      }
    }
    line.append('}');
  }

  /** Escapes, in place, what JSON forbids inside a string from {@code start} on. */
  private static void escape(StringBuilder line, int start) {
    for (int i = start; i < line.length(); i++) {
      char c = line.charAt(i);
      if (c == '"' || c == '\\') {
        line.insert(i, '\\');
        i++;
      } else if (c < 0x20) {
        String escaped = String.format("\\u%04x", (int) c);
        line.replace(i, i + 1, escaped);
        i += escaped.length() - 1;
      }
    }
  }
}
