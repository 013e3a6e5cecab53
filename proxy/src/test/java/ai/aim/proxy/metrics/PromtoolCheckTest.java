package ai.aim.proxy.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import ai.aim.proxy.admission.Priority;
import ai.aim.proxy.slo.SloConfig;
import ai.aim.proxy.slo.SloTracker;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The exposition passes Prometheus's own linter. */
class PromtoolCheckTest {

  @Test
  void theScrapePassesPromtoolCheckMetrics() throws Exception {
    Path promtool = PrometheusBinaries.require("promtool");
    SloTracker tracker = new SloTracker(SloConfig.defaultConfig(), List.of("llama", "mistral"));
    AimMetrics metrics =
        new AimMetrics(AimMetrics.newRegistry(), List.of(), AdmissionGauges.NONE, m -> 1L << 30, tracker);
    metrics.onComplete("llama", Priority.HIGH, Outcome.OK, 1_000_000, 20_000_000, 5_000_000, 30_000_000);
    tracker.tick();

    Process p =
        new ProcessBuilder(promtool.toString(), "check", "metrics").redirectErrorStream(true).start();
    try (OutputStream in = p.getOutputStream()) {
      in.write(metrics.scrape().getBytes(StandardCharsets.UTF_8));
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("promtool output: %s", out).isZero();
  }
}
