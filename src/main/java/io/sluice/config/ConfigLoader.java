package io.sluice.config;

import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Reads a YAML configuration into a {@link Config} and validates it, reporting every error at once
 * with its file, line, column and key path. Never throws for bad input: a bad file is a result.
 *
 * <p>Three passes over the text: a streaming scan that records where each key stands (and catches
 * syntax errors), binding into the records with a handler that collects problems instead of
 * stopping at the first, then validation of the bound records.
 */
public final class ConfigLoader {
  static final String EMPTY = "the configuration is empty (expected: listeners and pools)";

  /** How YAML binds to the records; package-private so tests bind with exactly this. */
  static final ObjectMapper MAPPER =
      YAMLMapper.builder()
          .propertyNamingStrategy(YamlNames.KEYS)
          .addModule(new ConfigModule())
          // A null list item has been reported already (by the scan, or by the handler that put it
          // there); the records' List.copyOf must not meet it.
          .defaultSetterInfo(JsonSetter.Value.forContentNulls(Nulls.SKIP))
          // `timeouts: ""` reads as `timeouts:`, which YAML itself makes null: the defaults apply.
          .withCoercionConfig(
              LogicalType.POJO,
              coercion ->
                  coercion.setCoercion(CoercionInputShape.EmptyString, CoercionAction.AsNull))
          .withCoercionConfig(
              LogicalType.Collection,
              coercion ->
                  coercion.setCoercion(CoercionInputShape.EmptyString, CoercionAction.AsNull))
          .build();

  private static final ObjectReader CONFIG_READER = MAPPER.readerFor(Config.class);

  private ConfigLoader() {}

  /** Reads and checks a configuration file; a missing or unreadable file is an error at 0:0. */
  public static ConfigResult load(Path file) {
    String fileName = file.toString();
    String yaml;
    try {
      yaml = Files.readString(file);
    } catch (IOException e) {
      return ConfigResult.failed(
          List.of(
              new ConfigError(
                  fileName, 0, 0, KeyPath.ROOT, "cannot read the file: " + readFailure(e))));
    }
    return parse(yaml, fileName);
  }

  /**
   * Reads and checks a configuration held in memory.
   *
   * @param fileName how errors name the source
   */
  public static ConfigResult parse(String yaml, String fileName) {
    LocationIndex index = LocationIndex.scan(yaml, fileName);
    if (index.syntaxError() != null) {
      return ConfigResult.failed(List.of(index.syntaxError()));
    }
    ErrorList errors = new ErrorList(index, fileName);
    Config config = index.isEmpty() ? null : bind(yaml, errors);
    if (config == null) {
      // Nothing bound without a complaint: the document is empty, or just "".
      return ConfigResult.failed(
          errors.isEmpty()
              ? List.of(new ConfigError(fileName, 1, 1, KeyPath.ROOT, EMPTY))
              : errors.inFileOrder());
    }
    for (Problem problem : ConfigValidator.validate(config)) {
      errors.addUnlessReported(problem);
    }
    return errors.isEmpty() ? ConfigResult.of(config) : ConfigResult.failed(errors.inFileOrder());
  }

  private static Config bind(String yaml, ErrorList errors) {
    CollectingProblemHandler handler = new CollectingProblemHandler();
    Config config;
    try {
      config = CONFIG_READER.withHandler(handler).readValue(yaml);
    } catch (JsonProcessingException e) {
      // A problem no handler hook covers; binding cannot go on past it.
      errors.addBindingProblem(new Problem(pathOf(e), e.getOriginalMessage()));
      config = null;
    }
    handler.problems().forEach(errors::addBindingProblem);
    return config;
  }

  private static String pathOf(JsonProcessingException e) {
    String path = "";
    if (e instanceof JsonMappingException mapping) {
      for (JsonMappingException.Reference reference : mapping.getPath()) {
        path =
            reference.getFieldName() != null
                ? KeyPath.child(path, reference.getFieldName())
                : KeyPath.item(path, reference.getIndex());
      }
    }
    return path;
  }

  private static String readFailure(IOException e) {
    if (e instanceof NoSuchFileException) {
      return "no such file";
    } else if (e instanceof AccessDeniedException) {
      return "permission denied";
    } else if (e instanceof CharacterCodingException) {
      return "it is not UTF-8 text";
    }
    return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
  }

  /** The errors of one file, each placed at its key's line and column. */
  private static final class ErrorList {
    private final LocationIndex index;
    private final String file;
    private final List<ConfigError> errors;

    /** Errors made before validation: validation must not report the same thing again. */
    private final List<String> earlierKeys = new ArrayList<>();

    ErrorList(LocationIndex index, String file) {
      this.index = index;
      this.file = file;
      this.errors = new ArrayList<>(index.errors());
      index.errors().forEach(error -> earlierKeys.add(error.key()));
    }

    boolean isEmpty() {
      return errors.isEmpty();
    }

    void addBindingProblem(Problem problem) {
      String key = KeyPath.display(problem.path());
      // An alias the scan reported also reads as a bad value; the scan's error says why.
      if (index.errors().stream().noneMatch(error -> error.key().equals(key))) {
        add(problem);
        earlierKeys.add(key);
      }
    }

    void addUnlessReported(Problem problem) {
      if (!isAlreadyReported(problem.path())) {
        add(problem);
      }
    }

    /**
     * Whether validation would only repeat an earlier error: the path, or a key or item holding it,
     * had a bad value that binding replaced with a default. Where a list item was dropped, the
     * items after it moved up one place, so validation's indexes into that list no longer match the
     * file.
     */
    private boolean isAlreadyReported(String path) {
      for (String key : earlierKeys) {
        String list = KeyPath.parent(key);
        if (KeyPath.isWithin(path, key)
            || (key.endsWith("]") && !list.isEmpty() && KeyPath.isWithin(path, list))) {
          return true;
        }
      }
      return false;
    }

    private void add(Problem problem) {
      Location location = index.locate(problem.path());
      Location value = index.locateValueText(problem.path());
      if (problem.valueOffset() >= 0 && value != null) {
        location = new Location(value.line(), value.column() + problem.valueOffset());
      }
      errors.add(
          new ConfigError(
              file,
              location.line(),
              location.column(),
              KeyPath.display(problem.path()),
              problem.message()));
    }

    List<ConfigError> inFileOrder() {
      List<ConfigError> sorted = new ArrayList<>(errors);
      sorted.sort(Comparator.comparingInt(ConfigError::line).thenComparingInt(ConfigError::column));
      return sorted;
    }
  }
}
