package dev.backstop.drill;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code drill} command line: {@code simulate} and {@code live}. Run it through the {@code
 * ./drill} script at the root of the repository.
 *
 * <p>Not meant to be instantiated by library users; the class is public only so that the Java
 * launcher can find {@link #main(String[])}. Not thread-safe: run one command line at a time.
 */
@Command(
    name = "drill",
    mixinStandardHelpOptions = true,
    version = Drill.VERSION,
    description = {
      "Watch a Backstop circuit breaker protect a failing backend.",
      "Without a command, runs 'live' with its defaults."
    },
    subcommands = {SimulateCommand.class, LiveCommand.class, CommandLine.HelpCommand.class})
public final class Drill implements Runnable {

  /** What {@code --version} prints. */
  static final String VERSION = "backstop-drill 0.1.0-SNAPSHOT";

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  private Drill() {}

  /** Runs the command line and exits with its status. */
  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the command line and returns its exit status; never calls {@link System#exit}. */
  static int run(String... args) {
    System.setProperty("java.awt.headless", "true");
    return commandLine().execute(args);
  }

  static CommandLine commandLine() {
    return new CommandLine(new Drill()).setCaseInsensitiveEnumValuesAllowed(true);
  }

  @Override
  public void run() {
    CommandLine sub = spec.commandLine().getSubcommands().get("live");
    int status = sub.execute();
    if (status != 0) {
      throw new CommandLine.ExecutionException(spec.commandLine(), "live failed: " + status);
    }
  }
}
