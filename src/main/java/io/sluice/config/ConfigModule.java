package io.sluice.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.deser.BeanDeserializerModifier;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Strict readers for every scalar the configuration holds. Jackson's own would quietly truncate
 * {@code 1.5} to an integer, read {@code 1} as {@code true} and an enum's index as a constant, or
 * throw on the first bad value; these accept only what the YAML plainly says and hand anything else
 * to the problem handler, so binding goes on and every bad value is reported.
 */
final class ConfigModule extends SimpleModule {

  ConfigModule() {
    super("sluice-config");
    addDeserializer(Integer.class, new IntegerDeserializer());
    addDeserializer(Boolean.class, new BooleanDeserializer());
    addDeserializer(String.class, new TextDeserializer());
    addDeserializer(Duration.class, new UnitDeserializer<>(Duration.class, DurationFormat::parse));
    addDeserializer(Rate.class, new UnitDeserializer<>(Rate.class, Rate::parse));
    addDeserializer(DataSize.class, new UnitDeserializer<>(DataSize.class, DataSize::parse));
    addDeserializer(
        DurationRange.class, new UnitDeserializer<>(DurationRange.class, DurationRange::parse));
    addDeserializer(Percent.class, new UnitDeserializer<>(Percent.class, Percent::parse));
    setDeserializerModifier(new EnumWordsModifier());
  }

  private static final class IntegerDeserializer extends StdScalarDeserializer<Integer> {
    IntegerDeserializer() {
      super(Integer.class);
    }

    @Override
    public Integer deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      switch (p.currentToken()) {
        case VALUE_NUMBER_INT:
          if (p.getNumberType() == JsonParser.NumberType.INT) {
            return p.getIntValue();
          }
          return (Integer) ctxt.handleWeirdNumberValue(Integer.class, p.getNumberValue(), "");
        case VALUE_NUMBER_FLOAT:
          return (Integer) ctxt.handleWeirdNumberValue(Integer.class, p.getNumberValue(), "");
        case VALUE_STRING:
          try {
            return Integer.valueOf(p.getText().strip());
          } catch (NumberFormatException e) {
            return (Integer) ctxt.handleWeirdStringValue(Integer.class, p.getText(), "");
          }
        default:
          return (Integer) ctxt.handleUnexpectedToken(Integer.class, p);
      }
    }
  }

  private static final class BooleanDeserializer extends StdScalarDeserializer<Boolean> {
    BooleanDeserializer() {
      super(Boolean.class);
    }

    @Override
    public Boolean deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      switch (p.currentToken()) {
        case VALUE_TRUE:
          return Boolean.TRUE;
        case VALUE_FALSE:
          return Boolean.FALSE;
        case VALUE_STRING:
          // A quoted "true" is still plainly true; anything else is not a boolean.
          return switch (p.getText().strip()) {
            case "true" -> Boolean.TRUE;
            case "false" -> Boolean.FALSE;
            default -> (Boolean) ctxt.handleWeirdStringValue(Boolean.class, p.getText(), "");
          };
        case VALUE_NUMBER_INT:
        case VALUE_NUMBER_FLOAT:
          return (Boolean) ctxt.handleWeirdNumberValue(Boolean.class, p.getNumberValue(), "");
        default:
          return (Boolean) ctxt.handleUnexpectedToken(Boolean.class, p);
      }
    }
  }

  /**
   * Any scalar as the text it was written as: {@code name: no} is the name "no", not YAML 1.1's
   * false.
   */
  private static final class TextDeserializer extends StdScalarDeserializer<String> {
    TextDeserializer() {
      super(String.class);
    }

    @Override
    public String deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      if (p.currentToken().isScalarValue()) {
        return p.getText();
      }
      return (String) ctxt.handleUnexpectedToken(String.class, p);
    }
  }

  /** A scalar with a unit, such as a duration, read by a parse function that rejects bad text. */
  private static final class UnitDeserializer<T> extends StdScalarDeserializer<T> {
    private final Class<T> type;
    private final Function<String, T> parse;

    UnitDeserializer(Class<T> type, Function<String, T> parse) {
      super(type);
      this.type = type;
      this.parse = parse;
    }

    @Override
    public T deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      JsonToken token = p.currentToken();
      if (token != JsonToken.VALUE_STRING && !token.isNumeric()) {
        return type.cast(ctxt.handleUnexpectedToken(type, p));
      }
      String text = p.getText();
      try {
        return parse.apply(text);
      } catch (IllegalArgumentException e) {
        return type.cast(ctxt.handleWeirdStringValue(type, text, e.getMessage()));
      }
    }
  }

  /** An enum constant by its YAML word only, as {@code @JsonProperty} gives it. */
  private static final class EnumWordDeserializer extends StdScalarDeserializer<Object> {
    private final Class<?> type;
    private final Map<String, Object> constants = new HashMap<>();

    EnumWordDeserializer(Class<?> type) {
      super(type);
      this.type = type;
      for (Object constant : type.getEnumConstants()) {
        constants.put(YamlNames.word((Enum<?>) constant), constant);
      }
    }

    @Override
    public Object deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      if (!p.currentToken().isScalarValue()) {
        return ctxt.handleUnexpectedToken(type, p);
      }
      if (p.currentToken().isNumeric()) {
        return ctxt.handleWeirdNumberValue(type, p.getNumberValue(), "");
      }
      Object constant = constants.get(p.getText());
      return constant != null ? constant : ctxt.handleWeirdStringValue(type, p.getText(), "");
    }
  }

  private static final class EnumWordsModifier extends BeanDeserializerModifier {
    @Override
    public JsonDeserializer<?> modifyEnumDeserializer(
        DeserializationConfig config,
        JavaType type,
        BeanDescription beanDesc,
        JsonDeserializer<?> deserializer) {
      return new EnumWordDeserializer(type.getRawClass());
    }
  }
}
