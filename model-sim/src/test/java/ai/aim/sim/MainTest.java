package ai.aim.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class MainTest {
  record Run(int code, String out, String err) {}

  static Run run(String... args) {
    CommandLine cl = Main.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void helpListsTheDocumentedFlags() {
    Run r = run("--help");
    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("--http-port", "--grpc-port", "--slots", "--service-ms",
        "--service-dist", "--prefill-us-per-token", "--decode-ms-per-token", "--kv-cache-tokens",
        "--max-queue", "--model", "--fail-rate", "--hang", "--reset-after-bytes", "--config");
  }

  @Test
  void unknownFlagsAndBadValuesFailWithAClearMessage() {
    Run unknown = run("--no-such-flag");
    assertThat(unknown.code()).isEqualTo(2);
    assertThat(unknown.err()).contains("Unknown option: '--no-such-flag'");
    Run notANumber = run("--slots", "many");
    assertThat(notANumber.code()).isEqualTo(2);
    assertThat(notANumber.err()).contains("--slots").contains("many");
    Run zero = run("--slots", "0");
    assertThat(zero.code()).isEqualTo(2);
    assertThat(zero.err()).contains("slots: 0 (expected: >= 1)");
    Run dist = run("--service-dist", "gaussian");
    assertThat(dist.code()).isEqualTo(2);
    assertThat(dist.err()).contains("constant|exponential|lognormal|uniform");
    Run rate = run("--fail-rate", "1.5");
    assertThat(rate.err()).contains("failRate: 1.5 (expected: 0..1)");
    Run policy = run("--scheduling-policy", "lifo");
    assertThat(policy.code()).isEqualTo(2);
    assertThat(policy.err()).contains("schedulingPolicy: lifo (expected: fcfs|priority)");
  }

  @Test
  void flagsOverrideTheConfigFile(@TempDir Path dir) throws Exception {
    Path yaml = dir.resolve("sim.yaml");
    Files.writeString(yaml, """
        slots: 3
        service-ms: 25
        service-dist: lognormal
        models: [a, b]
        kv-cache-tokens: 5000
        scheduling-policy: priority
        """);
    Main main = new Main();
    new CommandLine(main).parseArgs("--config", yaml.toString(), "--slots", "7");
    SimConfig c = main.resolve();
    assertThat(c.slots()).isEqualTo(7);
    assertThat(c.serviceMs()).isEqualTo(25);
    assertThat(c.serviceDist()).isEqualTo(ServiceDistribution.LOGNORMAL);
    assertThat(c.models()).containsExactly("a", "b");
    assertThat(c.kvCacheTokens()).isEqualTo(5000);
    assertThat(c.schedulingPolicy()).isEqualTo(SchedulingPolicy.PRIORITY);
    assertThat(c.httpPort()).isEqualTo(8000);
  }

  @Test
  void anUnknownConfigKeyIsAnError(@TempDir Path dir) throws Exception {
    Path yaml = dir.resolve("sim.yaml");
    Files.writeString(yaml, "slotz: 3\n");
    Run r = run("--config", yaml.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("config key 'slotz'");
  }
}
