package ai.aim.bench;

import ai.aim.bench.demo.DemoCommand;
import ai.aim.bench.load.LoadCommand;
import ai.aim.bench.load.LoadPlotCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code java -jar benchmarks/target/aim-bench.jar <command>}: the demo and the load harness.
 * JMH benchmarks run through their own runner (see docs/benchmarks.md).
 */
@Command(
    name = "aim-bench",
    mixinStandardHelpOptions = true,
    version = "aim-bench 0.1.0",
    description = "AIM sidecar demo and load tools.",
    subcommands = {DemoCommand.class, LoadCommand.class, LoadPlotCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new Main()).execute(args));
  }
}
