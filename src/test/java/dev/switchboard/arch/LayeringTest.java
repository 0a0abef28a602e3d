package dev.switchboard.arch;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.Architectures;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * Dependencies point down only: the launcher on top, then the HTTP front door, the admin surface, the services,
 * routing, the provider adapters, and the vocabulary every layer speaks at the bottom. A lower layer that needs
 * something from a higher one is a sign the thing belongs lower: move the type, don't add the import.
 */
class LayeringTest {
  private static JavaClasses classes;

  @BeforeAll
  static void importMainClasses() {
    classes = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
        .importPackages("dev.switchboard");
  }

  @Test
  void layersDependOnlyOnTheLayersBelowThem() {
    Architectures.layeredArchitecture()
        .consideringOnlyDependenciesInLayers()
        .layer("launcher").definedBy("dev.switchboard")
        .layer("demo").definedBy("dev.switchboard.demo..")
        .layer("server").definedBy("dev.switchboard.server..")
        .layer("admin").definedBy("dev.switchboard.admin..")
        .layer("services").definedBy("dev.switchboard.cache..", "dev.switchboard.ratelimit..",
            "dev.switchboard.usage..", "dev.switchboard.health..", "dev.switchboard.telemetry..",
            "dev.switchboard.logging..")
        .layer("routing").definedBy("dev.switchboard.routing..")
        .layer("provider").definedBy("dev.switchboard.provider..")
        .layer("vocabulary").definedBy("dev.switchboard.api..", "dev.switchboard.config..",
            "dev.switchboard.metrics..")
        .whereLayer("launcher").mayNotBeAccessedByAnyLayer()
        .whereLayer("demo").mayOnlyBeAccessedByLayers("launcher")
        .whereLayer("server").mayOnlyBeAccessedByLayers("launcher")
        .whereLayer("admin").mayOnlyBeAccessedByLayers("launcher", "server")
        .whereLayer("services").mayOnlyBeAccessedByLayers("launcher", "server", "admin")
        .whereLayer("routing").mayOnlyBeAccessedByLayers("launcher", "server", "admin", "services")
        .whereLayer("provider").mayOnlyBeAccessedByLayers("launcher", "server", "admin", "services", "routing", "demo")
        .check(classes);
  }

  @Test
  void packagesFormNoCycle() {
    slices().matching("dev.switchboard.(*)..").should().beFreeOfCycles().check(classes);
  }

  @Test
  void theVocabularyImportsNothingAboveIt() {
    Architectures.layeredArchitecture()
        .consideringOnlyDependenciesInLayers()
        .layer("api").definedBy("dev.switchboard.api..")
        .layer("config").definedBy("dev.switchboard.config..")
        .layer("metrics").definedBy("dev.switchboard.metrics..")
        .layer("rest").definedBy("dev.switchboard", "dev.switchboard.server..", "dev.switchboard.admin..",
            "dev.switchboard.cache..", "dev.switchboard.ratelimit..", "dev.switchboard.usage..",
            "dev.switchboard.health..", "dev.switchboard.routing..", "dev.switchboard.provider..",
            "dev.switchboard.demo..", "dev.switchboard.telemetry..")
        .whereLayer("rest").mayNotBeAccessedByAnyLayer()
        .whereLayer("api").mayOnlyBeAccessedByLayers("rest")
        .whereLayer("config").mayOnlyBeAccessedByLayers("rest", "api")
        .whereLayer("metrics").mayOnlyBeAccessedByLayers("rest")
        .check(classes);
  }
}
