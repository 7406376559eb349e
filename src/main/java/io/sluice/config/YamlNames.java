package io.sluice.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** The words a YAML file uses for record components and enum constants. */
final class YamlNames {
  /** Record components are camelCase in Java and snake_case in YAML. */
  static final PropertyNamingStrategies.NamingBase KEYS =
      (PropertyNamingStrategies.NamingBase) PropertyNamingStrategies.SNAKE_CASE;

  private YamlNames() {}

  /** The keys a record accepts, in declaration order; empty for anything else. */
  static List<String> keysOf(Class<?> type) {
    if (!type.isRecord()) {
      return List.of();
    }
    return Arrays.stream(type.getRecordComponents())
        .map(component -> KEYS.translate(component.getName()))
        .toList();
  }

  /** The word for an enum constant: its {@code @JsonProperty} value, else its lower-case name. */
  static String word(Enum<?> constant) {
    try {
      JsonProperty property =
          constant.getDeclaringClass().getField(constant.name()).getAnnotation(JsonProperty.class);
      return property != null ? property.value() : constant.name().toLowerCase(Locale.ROOT);
    } catch (NoSuchFieldException e) {
      throw new IllegalStateException("an enum constant is a public field", e);
    }
  }

  /** The words of every constant of an enum type, in declaration order. */
  static List<String> words(Class<?> enumType) {
    List<String> words = new ArrayList<>();
    for (Object constant : enumType.getEnumConstants()) {
      words.add(word((Enum<?>) constant));
    }
    return words;
  }

  /** {@code a, b or c}: how a short list of choices reads in a message. */
  static String choices(List<String> words) {
    if (words.size() == 1) {
      return words.get(0);
    }
    return String.join(", ", words.subList(0, words.size() - 1))
        + " or "
        + words.get(words.size() - 1);
  }
}
