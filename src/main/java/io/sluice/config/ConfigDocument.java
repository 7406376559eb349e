package io.sluice.config;

import com.fasterxml.jackson.annotation.JsonAutoDetect.Visibility;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.PropertyAccessor;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * A configuration as a JSON tree in the file's own words: its keys, durations as {@code 500ms},
 * rates as {@code 100/s}, sizes as {@code 16KiB}, shares as {@code 20%}, enum words, with every
 * default filled in and absent optional values left out. Read back by {@link ConfigLoader} (JSON is
 * YAML), the tree gives an equal configuration.
 *
 * <p>{@link #redacted} replaces secrets with {@value #REDACTED}: values of keys that name a token,
 * password, secret or credential ({@code admin.token}); values of headers whose name suggests a
 * credential ({@code authorization}, {@code cookie}, {@code x-api-key}, in any {@code headers}
 * map); and the user information of URLs ({@code redis://user:pass@host}). File paths stay: they
 * say where key material is, not what it is.
 */
public final class ConfigDocument {
  public static final String REDACTED = "<redacted>";

  private static final Pattern SECRET_KEY =
      Pattern.compile("(^|_)(token|password|passwd|secret|credentials?)($|_)");
  private static final Pattern SECRET_HEADER =
      Pattern.compile("auth|token|key|secret|password|passwd|cookie|session|credential");
  private static final Pattern URL_WITH_USER =
      Pattern.compile("^([a-zA-Z][a-zA-Z0-9+.-]*://)[^/]*@");

  private static final ObjectMapper WRITER =
      JsonMapper.builder()
          .propertyNamingStrategy(YamlNames.KEYS)
          .defaultPropertyInclusion(JsonInclude.Value.construct(JsonInclude.Include.NON_NULL, null))
          // Records only: a convenience such as ListenerConfig.isHttp() is no key of the file.
          .visibility(PropertyAccessor.IS_GETTER, Visibility.NONE)
          .addModule(words())
          .build();

  private ConfigDocument() {}

  /** The whole configuration, secrets included: for tests and tools, never for an API. */
  public static ObjectNode of(Config config) {
    ObjectNode tree = WRITER.valueToTree(config);
    // max_connections: adaptive is held as a number no file can write; write the word back.
    for (var pool : tree.path("pools")) {
      for (var server : pool.path("servers")) {
        if (server.path("max_connections").asInt() == ServerConfig.ADAPTIVE
            && server instanceof ObjectNode node) {
          node.put("max_connections", "adaptive");
        }
      }
    }
    return tree;
  }

  /** The configuration with its secrets replaced by {@value #REDACTED}. */
  public static ObjectNode redacted(Config config) {
    ObjectNode tree = of(config);
    redact(tree);
    return tree;
  }

  private static void redact(JsonNode node) {
    if (node instanceof ObjectNode object) {
      List<Map.Entry<String, JsonNode>> fields = new ArrayList<>(object.properties());
      for (Map.Entry<String, JsonNode> field : fields) {
        String key = field.getKey();
        JsonNode value = field.getValue();
        if (value.isValueNode() && SECRET_KEY.matcher(key).find()) {
          object.put(key, REDACTED);
        } else if (key.equals("headers") && value instanceof ObjectNode headers) {
          redactHeaders(headers);
        } else if (value.isTextual()) {
          object.set(key, redactUrl(value.textValue()));
        } else {
          redact(value);
        }
      }
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        JsonNode item = node.get(i);
        if (item.isTextual()) {
          ((ArrayNode) node).set(i, redactUrl(item.textValue()));
        } else {
          redact(item);
        }
      }
    }
  }

  private static void redactHeaders(ObjectNode headers) {
    List<String> names = new ArrayList<>();
    headers.fieldNames().forEachRemaining(names::add);
    for (String name : names) {
      if (SECRET_HEADER.matcher(name.toLowerCase(Locale.ROOT)).find()) {
        headers.put(name, REDACTED);
      }
    }
  }

  private static TextNode redactUrl(String text) {
    return TextNode.valueOf(URL_WITH_USER.matcher(text).replaceFirst("$1" + REDACTED + "@"));
  }

  /** Serializers that write each value type as the file writes it. */
  private static SimpleModule words() {
    SimpleModule module = new SimpleModule("sluice-config-words");
    module.addSerializer(Duration.class, text(Duration.class, ConfigDocument::duration));
    module.addSerializer(Rate.class, text(Rate.class, ConfigDocument::rate));
    module.addSerializer(DataSize.class, text(DataSize.class, ConfigDocument::size));
    module.addSerializer(Percent.class, text(Percent.class, ConfigDocument::percent));
    module.addSerializer(
        DurationRange.class,
        text(
            DurationRange.class,
            range ->
                range.min().equals(range.max())
                    ? duration(range.min())
                    : duration(range.min()) + ".." + duration(range.max())));
    @SuppressWarnings({"unchecked", "rawtypes"})
    Class<Enum<?>> enums = (Class) Enum.class;
    module.addSerializer(enums, text(enums, YamlNames::word));
    return module;
  }

  private static <T> StdSerializer<T> text(Class<T> type, Function<T, String> format) {
    return new StdSerializer<>(type) {
      @Override
      public void serialize(T value, JsonGenerator out, SerializerProvider provider)
          throws IOException {
        out.writeString(format.apply(value));
      }
    };
  }

  /** The largest unit that says the duration exactly: {@code 90s} is {@code 90s}, not 1.5m. */
  static String duration(Duration duration) {
    long nanos = duration.toNanos();
    if (nanos == 0) {
      return "0";
    }
    long[] unitNanos = {86_400_000_000_000L, 3_600_000_000_000L, 60_000_000_000L, 1_000_000_000L};
    String[] units = {"d", "h", "m", "s"};
    for (int i = 0; i < units.length; i++) {
      if (nanos % unitNanos[i] == 0) {
        return nanos / unitNanos[i] + units[i];
      }
    }
    if (nanos % 1_000_000 == 0) {
      return nanos / 1_000_000 + "ms";
    }
    // The file's finest unit; a duration made in code may be finer, and is rounded to it.
    return Math.round(nanos / 1_000.0) + "us";
  }

  private static String rate(Rate rate) {
    Duration per = rate.per();
    if (per.equals(Duration.ofSeconds(1))) {
      return rate.count() + "/s";
    } else if (per.equals(Duration.ofMinutes(1))) {
      return rate.count() + "/m";
    } else if (per.equals(Duration.ofHours(1))) {
      return rate.count() + "/h";
    }
    return Math.round(rate.perSecond()) + "/s";
  }

  private static String size(DataSize size) {
    long bytes = size.bytes();
    if (bytes == 0) {
      return "0";
    }
    String[] binary = {"TiB", "GiB", "MiB", "KiB"};
    String[] decimal = {"TB", "GB", "MB", "KB"};
    for (int i = 0; i < binary.length; i++) {
      long unit = 1L << (10 * (binary.length - i));
      if (bytes % unit == 0) {
        return bytes / unit + binary[i];
      }
    }
    for (int i = 0; i < decimal.length; i++) {
      long unit = (long) Math.pow(1000, decimal.length - i);
      if (bytes % unit == 0) {
        return bytes / unit + decimal[i];
      }
    }
    return bytes + "B";
  }

  private static String percent(Percent percent) {
    return BigDecimal.valueOf(percent.value()).stripTrailingZeros().toPlainString() + "%";
  }
}
