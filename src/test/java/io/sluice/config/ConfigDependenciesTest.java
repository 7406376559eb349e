package io.sluice.config;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/** The configuration is read before anything else exists, so it depends on nothing else. */
@AnalyzeClasses(packages = "io.sluice", importOptions = ImportOption.DoNotIncludeTests.class)
class ConfigDependenciesTest {

  @ArchTest
  static final ArchRule configDependsOnNoOtherSluicePackage =
      noClasses()
          .that()
          .resideInAPackage("io.sluice.config..")
          .should()
          .dependOnClassesThat(
              resideInAPackage("io.sluice..").and(not(resideInAPackage("io.sluice.config.."))));
}
