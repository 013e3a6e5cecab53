package ai.aim.scheduler.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import ai.aim.scheduler.placement.ComputeMode;
import ai.aim.scheduler.placement.MemoryMode;
import ai.aim.scheduler.placement.QosPriority;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class GpuSharingParserTest {
    private final GpuSharingParser parser = new GpuSharingParser();

    @Test
    void readsEveryFieldOfTheSeedsConfig() {
        var r = parser.parse("{\"enabled\":true,\"partitionId\":\"n1-cpx-nps4-g0-p1\",\"computeMode\":\"CPX\","
                + "\"memoryMode\":\"NPS4\",\"memoryLimitGB\":16.5,\"preferredPartition\":\"x\",\"qosPriority\":\"high\"}");
        assertThat(r.valid()).isTrue();
        GpuSharingConfig c = r.config();
        assertThat(c.enabled()).isTrue();
        assertThat(c.partitionId()).isEqualTo("n1-cpx-nps4-g0-p1");
        assertThat(c.computeMode()).isEqualTo(ComputeMode.CPX);
        assertThat(c.memoryMode()).isEqualTo(MemoryMode.NPS4);
        assertThat(c.memoryBytes()).isEqualTo(16L * (1L << 30) + (1L << 29));
        assertThat(c.preferredPartition()).isEqualTo("x");
        assertThat(c.qosPriority()).isEqualTo(QosPriority.HIGH);
    }

    @Test
    void priorityDefaultsToMediumAndModesToAny() {
        var c = parser.parse("{\"enabled\":true,\"memoryLimitGB\":8}").config();
        assertThat(c.qosPriority()).isEqualTo(QosPriority.MEDIUM);
        assertThat(c.computeMode()).isNull();
        assertThat(c.memoryMode()).isNull();
    }

    @Test
    void aWrongEnumValueNamesTheField() {
        var r = parser.parse("{\"enabled\":true,\"memoryLimitGB\":8,\"computeMode\":\"XPX\"}");
        assertThat(r.valid()).isFalse();
        assertThat(r.field()).isEqualTo("computeMode");
        assertThat(r.message()).contains("computeMode");
    }

    @Test
    void aMissingMemoryLimitWhenEnabledNamesTheField() {
        var r = parser.parse("{\"enabled\":true}");
        assertThat(r.field()).isEqualTo("memoryLimitGB");
        assertThat(parser.parse("{\"enabled\":false}").valid()).isTrue();
    }

    @Test
    void negativeMemoryUnknownFieldsAndBrokenJsonAreRejected() {
        assertThat(parser.parse("{\"enabled\":true,\"memoryLimitGB\":-1}").field()).isEqualTo("memoryLimitGB");
        assertThat(parser.parse("{\"enabled\":true,\"memoryLimitGB\":1,\"memoryLimitGb\":2}").field()).isEqualTo("memoryLimitGb");
        assertThat(parser.parse("{\"enabled\":\"yes\",\"memoryLimitGB\":1}").field()).isEqualTo("enabled");
        var broken = parser.parse("{\"enabled\":tru");
        assertThat(broken.field()).isEqualTo(GpuSharingParser.ANNOTATION);
        assertThat(broken.message()).startsWith("not valid JSON");
    }

    @Test
    void thePublishedSchemaInDocsIsTheOneTheSchedulerUses() throws Exception {
        Path docs = Path.of("../docs/gpu-sharing.schema.json");
        try (var in = GpuSharingParser.class.getResourceAsStream("/schema/gpu-sharing.schema.json")) {
            assertThat(Files.readString(docs)).isEqualTo(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
        }
    }
}
