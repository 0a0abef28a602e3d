package dev.switchboard;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Which config the launcher reads: {@code -c path}, else {@code $SWITCHBOARD_CONFIG}, else
 * {@code conf/switchboard.yaml} under the working directory, else the copy of that file built into the jar, so
 * {@code java -jar switchboard.jar} starts from any directory. A path the operator named must exist: silently
 * using the built-in config instead of theirs would be worse than failing.
 *
 * @param file the file to read, or null for the built-in config
 * @param described how the start-up log names it
 */
record ConfigChoice(Path file, String described) {
  static final String DEFAULT_FILE = "conf/switchboard.yaml";
  /** Where pom.xml puts conf/switchboard.yaml inside the jar. */
  static final String BUILT_IN_RESOURCE = "dev/switchboard/switchboard.yaml";

  /**
   * @param flagPath the {@code -c}/{@code --config} argument, or null
   * @param workingDir where relative paths and {@code conf/switchboard.yaml} are looked up
   */
  static ConfigChoice choose(String flagPath, Map<String, String> env, Path workingDir) {
    if (flagPath != null) {
      return new ConfigChoice(workingDir.resolve(flagPath), "config file " + flagPath + " (from -c)");
    }
    String fromEnv = env.get("SWITCHBOARD_CONFIG");
    if (fromEnv != null && !fromEnv.isBlank()) {
      return new ConfigChoice(workingDir.resolve(fromEnv.trim()), "config file " + fromEnv.trim()
          + " (from SWITCHBOARD_CONFIG)");
    }
    Path local = workingDir.resolve(DEFAULT_FILE);
    if (Files.isRegularFile(local)) {
      return new ConfigChoice(local, "config file " + local);
    }
    return new ConfigChoice(null, "the built-in default config (no " + DEFAULT_FILE + " in " + workingDir
        + "; pick a file with -c path or SWITCHBOARD_CONFIG)");
  }

  boolean builtIn() {
    return file == null;
  }

  /** The name syntax errors in this config are reported under. */
  String source() {
    return file == null ? "built-in " + DEFAULT_FILE : file.toString();
  }

  /** The built-in config's text, as packaged in the jar. */
  static String builtInYaml() throws java.io.IOException {
    try (var in = ConfigChoice.class.getClassLoader().getResourceAsStream(BUILT_IN_RESOURCE)) {
      if (in == null) {
        throw new java.io.IOException("the built-in config " + BUILT_IN_RESOURCE + " is missing from the jar");
      }
      return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
  }
}
