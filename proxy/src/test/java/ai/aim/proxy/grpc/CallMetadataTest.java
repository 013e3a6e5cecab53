package ai.aim.proxy.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.aim.proxy.admission.Priority;
import com.google.protobuf.CodedOutputStream;
import io.grpc.Metadata;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import org.junit.jupiter.api.Test;

class CallMetadataTest {

  @Test
  void findsTheModelNameAfterOtherFields() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    out.writeString(3, "request-id");
    out.writeInt64(9, 42);
    out.writeString(1, "llama");
    out.flush();

    assertThat(CallMetadata.modelFromRequest(bytes.toByteArray())).isEqualTo("llama");
  }

  @Test
  void aRequestWithoutAModelNameHasTheEmptyModel() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    out.writeString(2, "v1");
    out.flush();

    assertThat(CallMetadata.modelFromRequest(bytes.toByteArray())).isEmpty();
    assertThat(CallMetadata.modelFromRequest(new byte[0])).isEmpty();
  }

  @Test
  void truncatedBytesAreBadInput() {
    byte[] truncated = {0x0a, 0x10, 'a', 'b'}; // field 1 says 16 bytes, has 2

    assertThatThrownBy(() -> CallMetadata.modelFromRequest(truncated))
        .isInstanceOf(CallMetadata.BadMetadataException.class)
        .hasMessageContaining("model_name in field 1");
  }

  @Test
  void parsesPriorityInAnyCaseAndRefusesOtherValues() {
    Metadata ok = new Metadata();
    ok.put(CallMetadata.PRIORITY, " Low ");
    Metadata bad = new Metadata();
    bad.put(CallMetadata.PRIORITY, "p0");

    assertThat(CallMetadata.priority(ok)).isEqualTo(Priority.LOW);
    assertThat(CallMetadata.priority(new Metadata())).isNull();
    assertThatThrownBy(() -> CallMetadata.priority(bad)).hasMessage("x-aim-priority: 'p0' (expected: high|medium|low)");
  }

  @Test
  void refusesANonPositiveDeadline() {
    Metadata zero = new Metadata();
    zero.put(CallMetadata.DEADLINE_MS, "0");
    Metadata fine = new Metadata();
    fine.put(CallMetadata.DEADLINE_MS, "250");

    assertThatThrownBy(() -> CallMetadata.deadlineNanos(zero)).hasMessageContaining("x-aim-deadline-ms: '0'");
    assertThat(CallMetadata.deadlineNanos(fine)).isEqualTo(250_000_000L);
    assertThat(CallMetadata.deadlineNanos(new Metadata())).isEqualTo(-1);
  }

  @Test
  void dropsHopSpecificKeysAndKeepsTheRest() {
    Metadata in = new Metadata();
    in.put(Metadata.Key.of("content-type", Metadata.ASCII_STRING_MARSHALLER), "application/grpc");
    in.put(Metadata.Key.of("grpc-timeout", Metadata.ASCII_STRING_MARSHALLER), "1S");
    in.put(Metadata.Key.of("x-keep", Metadata.ASCII_STRING_MARSHALLER), "yes");

    Metadata out = CallMetadata.forwardable(in);

    assertThat(out.keys()).containsExactly("x-keep");
  }
}
