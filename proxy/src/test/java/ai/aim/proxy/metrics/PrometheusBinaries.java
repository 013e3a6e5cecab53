package ai.aim.proxy.metrics;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * Finds the Debian {@code prometheus} package's binaries. Without them a test is skipped with a
 * loud message, except under CI ({@code CI=true}), where {@code .ci/run} installs them and their
 * absence is a failure.
 */
final class PrometheusBinaries {
  private PrometheusBinaries() {}

  static Path require(String name) {
    for (String dir : new String[] {"/usr/bin", "/usr/local/bin", "/bin"}) {
      Path p = Path.of(dir, name);
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    String message =
        "*** " + name + " not found: install the Debian package 'prometheus' (apt-get install -y prometheus) ***";
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      fail(message);
    }
    System.err.println(message + " -- SKIPPING");
    Assumptions.abort(message);
    return null;
  }
}
