package ai.aim.rocm;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class AutoSourceTest {
  private final Logger logger = (Logger) LoggerFactory.getLogger(GpuTelemetry.class);
  private final ListAppender<ILoggingEvent> log = new ListAppender<>();

  @BeforeEach
  void capture() {
    log.start();
    logger.addAppender(log);
  }

  @AfterEach
  void release() {
    logger.detachAppender(log);
  }

  private List<String> messages() {
    return log.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
  }

  @Test
  void fallsBackToSysfsAndSaysWhyNotAmdSmi() {
    TelemetryOptions options = TelemetryOptions.defaults()
        .withAmdSmiLibrary(Path.of("/nonexistent/libamd_smi.so"))
        .withSysfsRoot(SysfsTrees.path("mi300x-cpx-nps4"));
    try (GpuTelemetry t = GpuTelemetry.open(Source.AUTO, options)) {
      assertThat(t.source()).isEqualTo(Source.SYSFS);
    }
    assertThat(messages()).singleElement().satisfies(m -> assertThat(m)
        .startsWith("gpu telemetry: using sysfs at ")
        .contains("(1 GPUs); not amdsmi: cannot load /nonexistent/libamd_smi.so"));
  }

  @Test
  void fallsBackToNoneWhenNeitherFindsAGpuAndSaysWhy() {
    TelemetryOptions options = TelemetryOptions.defaults()
        .withAmdSmiLibrary(Path.of("/nonexistent/libamd_smi.so"))
        .withSysfsRoot(SysfsTrees.path("mixed-vendors").resolve("card0"));
    try (GpuTelemetry t = GpuTelemetry.open(Source.AUTO, options)) {
      assertThat(t.source()).isEqualTo(Source.NONE);
      assertThat(t.sample().gpus()).isEmpty();
    }
    assertThat(messages()).singleElement().satisfies(m -> assertThat(m)
        .startsWith("gpu telemetry: using none; not amdsmi: cannot load")
        .contains("; not sysfs: no AMD GPU (vendor 0x1002) under "));
  }
}
