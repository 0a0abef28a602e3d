package dev.switchboard;

/**
 * The command line: {@code [-c|--config path]}, or {@code --demo [--port N] [--host address]}. A mistake prints the
 * usage and exits with status 2; {@code -h} prints it and exits with 0.
 *
 * @param configPath the config named with {@code -c}, or null
 * @param port the demo's port as given, or null
 * @param host the demo's address as given, or null
 */
record Cli(String configPath, boolean demo, String port, String host) {

  static Cli parse(String[] args) {
    String path = null;
    boolean demo = false;
    String port = null;
    String host = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--demo" -> demo = true;
        case "--port" -> port = value(args, ++i, "missing port after --port");
        case "--host" -> host = value(args, ++i, "missing address after --host");
        case "-c", "--config" -> {
          String option = args[i];
          path = value(args, ++i, "missing path after " + option);
        }
        case "-h", "--help" -> usage(null);
        default -> usage("unknown argument " + args[i]);
      }
    }
    if (!demo && (port != null || host != null)) {
      usage("--port and --host are for --demo; set server.port and server.host in the config (or SWITCHBOARD_PORT "
          + "and SWITCHBOARD_HOST) otherwise");
    }
    return new Cli(path, demo, port, host);
  }

  private static String value(String[] args, int i, String missing) {
    if (i >= args.length) {
      usage(missing);
    }
    return args[i];
  }

  /** Prints {@code problem} (if any) and the usage, and exits: 0 when asked for help, 2 for a mistake. */
  static void usage(String problem) {
    if (problem != null) {
      System.err.println("switchboard: " + problem);
    }
    System.err.println("usage: java -jar switchboard.jar [-c|--config path]   (default: $SWITCHBOARD_CONFIG, else "
        + Switchboard.DEFAULT_CONFIG + ", else the built-in copy of it)\n       java -jar switchboard.jar --demo "
        + "[--port N] [--host address]   (simulated providers, traffic and the dashboard; port default "
        + "$SWITCHBOARD_PORT or 8080, host 127.0.0.1: --host 0.0.0.0 to reach it from outside a container or VM)\n"
        + "       java -jar switchboard.jar migrate-ledger --from <data dir> --to postgres://host:5432/db [--user name]"
        + "   (copies a SQLite ledger into PostgreSQL)");
    System.exit(problem == null ? 0 : 2);
  }
}
