package ai.aim.rocm;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Builds the stand-in {@code libamd_smi.so} from {@code src/test/c/amdsmi_stub.c} with gcc into
 * {@code target/amdsmi-stub/} (once per JVM) and gives access to its control functions.
 */
final class AmdSmiStub {
  /** Control functions exported by the stub only. */
  interface Control extends Library {
    void stub_set_topology(int topology);

    void stub_fail(String function, int status);

    void stub_reset();

    int stub_init_refs();

    int stub_shutdowns();
  }

  static final int SPX_NPS1 = 0;
  static final int CPX_NPS4 = 1;

  private static Path built;
  private static String failure;

  private AmdSmiStub() {}

  /** The built library; skips the calling test loudly when no C compiler is present. */
  static synchronized Path library() {
    if (built == null && failure == null) {
      build();
    }
    assumeTrue(failure == null, failure);
    return built;
  }

  static Control control() {
    return Native.load(library().toString(), Control.class);
  }

  private static void build() {
    Path source = Path.of("src/test/c/amdsmi_stub.c").toAbsolutePath();
    Path out = Path.of("target/amdsmi-stub/libamd_smi.so").toAbsolutePath();
    try {
      Files.createDirectories(out.getParent());
      Process gcc =
          new ProcessBuilder("gcc", "-shared", "-fPIC", "-O1", "-Wall", "-o", out.toString(),
                  source.toString())
              .redirectErrorStream(true)
              .start();
      String log = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!gcc.waitFor(60, TimeUnit.SECONDS) || gcc.exitValue() != 0) {
        throw new IllegalStateException("gcc failed to build the AMD SMI stand-in:\n" + log);
      }
      built = out;
    } catch (IOException e) {
      failure = "SKIPPED: no C compiler (gcc) to build the AMD SMI stand-in library, so the JNA"
          + " binding is untested here: " + e.getMessage();
      System.err.println(failure);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
