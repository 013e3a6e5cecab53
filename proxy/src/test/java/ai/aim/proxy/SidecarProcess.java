package ai.aim.proxy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The sidecar's {@link Main} as a child JVM on the test's class path (so a SIGTERM is a real
 * signal), with the main {@code logback.xml}: the ports are read from its start-up line, and every
 * line it prints is kept for failure messages. Closing it kills the process if it still runs.
 */
final class SidecarProcess implements AutoCloseable {
  private static final Pattern LISTENING =
      Pattern.compile("listening: http [^:]+:(\\d+) \\(\\w+\\) admin [^:]+:(\\d+)");

  final Process process;
  final List<String> log = new CopyOnWriteArrayList<>();
  private final CompletableFuture<int[]> ports = new CompletableFuture<>();
  private final Thread reader;

  private SidecarProcess(Process process) {
    this.process = process;
    this.reader = new Thread(this::readOutput, "sidecar-output");
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts {@code Main --config config} with a 128 MiB heap. */
  static SidecarProcess start(Path config) throws IOException {
    String java = ProcessHandle.current().info().command().orElse("java");
    return new SidecarProcess(new ProcessBuilder(java, "-Xmx128m", "-Dlogback.configurationFile=logback.xml",
        "-cp", System.getProperty("java.class.path"),
        Main.class.getName(), "--config", config.toString())
        .redirectErrorStream(true)
        .start());
  }

  /** The HTTP port, once the sidecar logged it; fails with the log if the process exits first. */
  int httpPort(long seconds) throws Exception {
    return ports.get(seconds, TimeUnit.SECONDS)[0];
  }

  /** The admin port, as {@link #httpPort}. */
  int adminPort(long seconds) throws Exception {
    return ports.get(seconds, TimeUnit.SECONDS)[1];
  }

  /** Waits up to {@code millis} for the output to end (after the process exited). */
  void awaitOutput(long millis) throws InterruptedException {
    reader.join(millis);
  }

  String logText() {
    return String.join("\n", log);
  }

  private void readOutput() {
    try (BufferedReader in = new BufferedReader(
        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        log.add(line);
        Matcher m = LISTENING.matcher(line);
        if (m.find()) {
          ports.complete(new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))});
        }
      }
    } catch (IOException e) {
      ports.completeExceptionally(e);
    }
    ports.completeExceptionally(new IllegalStateException("exited: " + log));
  }

  @Override
  public void close() {
    process.destroyForcibly();
  }
}
