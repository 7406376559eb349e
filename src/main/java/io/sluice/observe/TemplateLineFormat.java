package io.sluice.observe;

import java.util.ArrayList;
import java.util.List;

/**
 * A {@code custom} format: literal text and {@code %{name}} fields, parsed once at start into parts
 * so that writing a line is a walk over an array.
 */
final class TemplateLineFormat implements LineFormat {
  /** Literal text, or null where the part is a field. */
  private final String[] literals;

  private final LogField[] fields;

  private TemplateLineFormat(String[] literals, LogField[] fields) {
    this.literals = literals;
    this.fields = fields;
  }

  static TemplateLineFormat parse(String template) {
    List<String> literals = new ArrayList<>();
    List<LogField> fields = new ArrayList<>();
    StringBuilder text = new StringBuilder();
    int i = 0;
    while (i < template.length()) {
      char c = template.charAt(i);
      if (c == '%' && i + 1 < template.length() && template.charAt(i + 1) == '%') {
        text.append('%');
        i += 2;
      } else if (c == '%' && i + 1 < template.length() && template.charAt(i + 1) == '{') {
        int end = template.indexOf('}', i + 2);
        String name = end < 0 ? template.substring(i + 2) : template.substring(i + 2, end);
        LogField field = end < 0 ? null : LogField.byName(name);
        if (field == null) {
          throw new IllegalArgumentException("unknown access-log field '" + name + "'");
        }
        if (text.length() > 0) {
          literals.add(text.toString());
          fields.add(null);
          text.setLength(0);
        }
        literals.add(null);
        fields.add(field);
        i = end + 1;
      } else {
        text.append(c);
        i++;
      }
    }
    if (text.length() > 0) {
      literals.add(text.toString());
      fields.add(null);
    }
    return new TemplateLineFormat(literals.toArray(new String[0]), fields.toArray(new LogField[0]));
  }

  @Override
  public void append(StringBuilder line, LogRecord record) {
    for (int i = 0; i < literals.length; i++) {
      if (literals[i] != null) {
        line.append(literals[i]);
      } else {
        record.appendField(fields[i], line);
      }
    }
  }
}
