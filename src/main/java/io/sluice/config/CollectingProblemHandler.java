package io.sluice.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.deser.DeserializationProblemHandler;
import com.fasterxml.jackson.databind.deser.ValueInstantiator;
import java.io.IOException;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Records each problem Jackson meets while binding and lets binding go on with a null in place of
 * the bad value, so one run reports every bad key and value, not just the first. A null becomes the
 * record's default, or is dropped from a list; the loader keeps validation quiet about what was
 * replaced, so a bad value is reported once.
 *
 * <p>Not thread-safe: one instance per binding.
 */
final class CollectingProblemHandler extends DeserializationProblemHandler {
  private final List<Problem> problems = new ArrayList<>();

  List<Problem> problems() {
    return List.copyOf(problems);
  }

  @Override
  public boolean handleUnknownProperty(
      DeserializationContext ctxt,
      JsonParser p,
      JsonDeserializer<?> deserializer,
      Object beanOrClass,
      String propertyName)
      throws IOException {
    List<String> known = YamlNames.keysOf(deserializer.handledType());
    problems.add(
        new Problem(unknownKeyPath(ctxt, p, propertyName), unknownKey(propertyName, known)));
    p.skipChildren();
    return true;
  }

  @Override
  public Object handleWeirdStringValue(
      DeserializationContext ctxt, Class<?> targetType, String valueToConvert, String failureMsg) {
    record(ctxt.getParser(), "expected " + expected(targetType) + ", got '" + valueToConvert + "'");
    return null;
  }

  @Override
  public Object handleWeirdNumberValue(
      DeserializationContext ctxt, Class<?> targetType, Number valueToConvert, String failureMsg)
      throws IOException {
    boolean tooLarge = valueToConvert instanceof Long || valueToConvert instanceof BigInteger;
    String expected =
        targetType == Integer.class && tooLarge
            ? "an integer from " + Integer.MIN_VALUE + " to " + Integer.MAX_VALUE
            : expected(targetType);
    record(ctxt.getParser(), "expected " + expected + ", got " + ctxt.getParser().getText());
    return null;
  }

  @Override
  public Object handleUnexpectedToken(
      DeserializationContext ctxt,
      JavaType targetType,
      JsonToken t,
      JsonParser p,
      String failureMsg)
      throws IOException {
    record(p, "expected " + expected(targetType.getRawClass()) + ", got " + found(p));
    p.skipChildren();
    return null;
  }

  @Override
  public Object handleMissingInstantiator(
      DeserializationContext ctxt,
      Class<?> instClass,
      ValueInstantiator valueInsts,
      JsonParser p,
      String msg)
      throws IOException {
    record(p, "expected " + expected(instClass) + ", got " + found(p));
    p.skipChildren();
    return null;
  }

  /**
   * A record's unknown keys are usually met while its creator's arguments are still being gathered;
   * Jackson then buffers them and replays them from a separate parser once the record's map has
   * ended, and that parser's path is not the file's. The file's parser, then on the map's end,
   * names the record.
   */
  private static String unknownKeyPath(DeserializationContext ctxt, JsonParser p, String key) {
    if (p == ctxt.getParser()) {
      return KeyPath.of(p);
    }
    return KeyPath.child(KeyPath.of(ctxt.getParser()), key);
  }

  private void record(JsonParser p, String message) {
    problems.add(new Problem(KeyPath.of(p), message));
  }

  private static String unknownKey(String key, List<String> known) {
    String suggestion = DidYouMean.closest(key, known);
    if (suggestion != null) {
      return "unknown key '" + key + "', did you mean '" + suggestion + "'?";
    }
    return "unknown key '" + key + "' (known keys: " + String.join(", ", known) + ")";
  }

  /** What a value of this type looks like, in the file's terms. */
  private static String expected(Class<?> type) {
    if (type == Integer.class || type == Long.class) {
      return "an integer";
    } else if (type == Boolean.class) {
      return "true or false";
    } else if (type == String.class) {
      return "a string";
    } else if (type == Duration.class) {
      return DurationFormat.EXPECTED;
    } else if (type == Rate.class) {
      return Rate.EXPECTED;
    } else if (type == DataSize.class) {
      return DataSize.EXPECTED;
    } else if (type == Percent.class) {
      return Percent.EXPECTED;
    } else if (type == DurationRange.class) {
      return DurationRange.EXPECTED;
    } else if (type.isEnum()) {
      return YamlNames.choices(YamlNames.words(type));
    } else if (Collection.class.isAssignableFrom(type)) {
      return "a list";
    }
    return "a map";
  }

  /** What the parser is on, as the file shows it. */
  private static String found(JsonParser p) throws IOException {
    return switch (p.currentToken()) {
      case START_ARRAY -> "a list";
      case START_OBJECT -> "a map";
      case VALUE_STRING -> "'" + p.getText() + "'";
      case VALUE_NULL -> "nothing";
      default -> p.getText();
    };
  }
}
