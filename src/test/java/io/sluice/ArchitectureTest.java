package io.sluice;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The import directions of the design's code map (DESIGN.md §3). One deviation: {@code net}, {@code
 * health} and {@code proxy.http} read {@code config}'s records (leaf types with no behaviour):
 * addresses to turn into sockets, the checks' settings, and the dozens of HTTP limits, routes and
 * identity settings, which copying into look-alike types would only duplicate. {@code cluster}
 * likewise reads the fleet's settings and scopes from {@code config}, and builds its part of the
 * live view ({@code observe}'s read-only records).
 */
class ArchitectureTest {
  private static final Map<String, Set<String>> ALLOWED =
      Map.ofEntries(
          Map.entry("config", Set.of()),
          Map.entry("balance", Set.of()),
          Map.entry("pool", Set.of("balance")),
          Map.entry("admission", Set.of()),
          Map.entry("observe", Set.of()),
          Map.entry("tls", Set.of("config")),
          Map.entry("net", Set.of("admission", "observe", "config")),
          Map.entry("proxy.tcp", Set.of("pool", "balance", "net", "observe", "admission")),
          Map.entry(
              "proxy.http",
              Set.of("pool", "balance", "net", "tls", "observe", "admission", "config")),
          Map.entry("proxy.udp", Set.of("pool", "balance", "net", "observe", "admission")),
          Map.entry("health", Set.of("pool", "balance", "observe", "config")),
          Map.entry("cluster", Set.of("admission", "tls", "pool", "balance", "config", "observe")),
          Map.entry("admin", Set.of("pool", "balance", "admission", "observe", "config")),
          Map.entry("runtime", Set.copyOf(List.of())),
          Map.entry("cli", Set.of("runtime", "config")));

  /** Plain logic, testable without a network: no Netty here. */
  private static final List<String> NETTY_FREE = List.of("config", "balance", "pool", "admission");

  private static JavaClasses classes;

  @BeforeAll
  static void importSluice() {
    classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.sluice");
  }

  static List<String> packages() {
    return ALLOWED.keySet().stream().filter(p -> !p.equals("runtime")).sorted().toList();
  }

  @ParameterizedTest(name = "{0} imports only what the design allows")
  @MethodSource("packages")
  void packageImportsOnlyWhatTheDesignAllows(String pkg) {
    List<String> forbidden = new ArrayList<>();
    for (String other : ALLOWED.keySet()) {
      if (!other.equals(pkg) && !ALLOWED.get(pkg).contains(other)) {
        forbidden.add("io.sluice." + other + "..");
      }
    }
    noClasses()
        .that()
        .resideInAPackage("io.sluice." + pkg + "..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(forbidden.toArray(new String[0]))
        .allowEmptyShould(true)
        .check(classes);
  }

  @ParameterizedTest(name = "{0} knows nothing of Netty")
  @MethodSource("nettyFreePackages")
  void plainLogicPackagesKnowNothingOfNetty(String pkg) {
    noClasses()
        .that()
        .resideInAPackage("io.sluice." + pkg + "..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("io.netty..")
        .allowEmptyShould(true)
        .check(classes);
  }

  static List<String> nettyFreePackages() {
    return NETTY_FREE;
  }
}
