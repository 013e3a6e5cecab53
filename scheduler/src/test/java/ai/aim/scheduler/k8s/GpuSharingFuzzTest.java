package ai.aim.scheduler.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes the GPU sharing annotation parser: any annotation text gives a {@link
 * GpuSharingParser.Result} that is either a config or names a field and a message; nothing throws.
 *
 * <p>{@code ./mvnw verify} replays the inputs under {@code src/test/resources} (regression mode);
 * to fuzz: {@code JAZZER_FUZZ=1 ./mvnw -pl scheduler test -Dtest=GpuSharingFuzzTest -Djazzer.max_duration=5m}.
 */
class GpuSharingFuzzTest {

  private static final GpuSharingParser PARSER = new GpuSharingParser();

  @FuzzTest(maxDuration = "2m")
  void anyAnnotationIsAConfigOrAFieldWithAMessage(FuzzedDataProvider data) {
    GpuSharingParser.Result r = PARSER.parse(data.consumeRemainingAsString());
    if (r.valid()) {
      assertThat(r.field()).isNull();
    } else {
      assertThat(r.field()).isNotBlank();
      assertThat(r.message()).isNotBlank();
    }
  }
}
