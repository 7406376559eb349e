package io.sluice.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import java.io.IOException;

/**
 * A server's {@code max_connections}: a whole number, or the word {@code adaptive} (read as {@link
 * ServerConfig#ADAPTIVE}); anything else goes to the problem handler like any bad integer.
 */
final class MaxConnectionsDeserializer extends StdScalarDeserializer<Integer> {
  private static final long serialVersionUID = 1L;

  MaxConnectionsDeserializer() {
    super(Integer.class);
  }

  @Override
  public Integer deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
    if (p.currentToken() == JsonToken.VALUE_STRING && "adaptive".equals(p.getText().strip())) {
      return ServerConfig.ADAPTIVE;
    }
    if (p.currentToken() == JsonToken.VALUE_NUMBER_INT
        && p.getNumberType() == JsonParser.NumberType.INT
        && p.getIntValue() != ServerConfig.ADAPTIVE) {
      return p.getIntValue();
    }
    if (p.currentToken() == JsonToken.VALUE_STRING) {
      try {
        int written = Integer.parseInt(p.getText().strip());
        if (written != ServerConfig.ADAPTIVE) {
          return written;
        }
      } catch (NumberFormatException e) {
        // Reported below.
      }
      return (Integer) ctxt.handleWeirdStringValue(Integer.class, p.getText(), "");
    }
    if (p.currentToken().isNumeric()) {
      return (Integer) ctxt.handleWeirdNumberValue(Integer.class, p.getNumberValue(), "");
    }
    return (Integer) ctxt.handleUnexpectedToken(Integer.class, p);
  }
}
