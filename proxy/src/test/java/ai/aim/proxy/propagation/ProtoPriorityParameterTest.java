package ai.aim.proxy.propagation;

import static org.assertj.core.api.Assertions.assertThat;

import ai.aim.sim.v2.InferParameter;
import ai.aim.sim.v2.ModelInferRequest;
import com.google.protobuf.ByteString;
import java.io.ByteArrayOutputStream;
import org.junit.jupiter.api.Test;

class ProtoPriorityParameterTest {

  private static ModelInferRequest appended(ModelInferRequest req, long value) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    req.writeTo(out);
    out.write(ProtoPriorityParameter.entry(value));
    return ModelInferRequest.parseFrom(out.toByteArray());
  }

  @Test
  void appendingTheEntrySetsTheInt64PriorityParameterAndKeepsTheRest() throws Exception {
    ModelInferRequest req = ModelInferRequest.newBuilder()
        .setModelName("llama")
        .setId("r1")
        .putParameters("timeout", InferParameter.newBuilder().setInt64Param(5000).build())
        .addRawInputContents(ByteString.copyFrom(new byte[] {1, 2, 3}))
        .build();
    ModelInferRequest out = appended(req, 3);
    assertThat(out.getParametersMap().get("priority").getInt64Param()).isEqualTo(3);
    assertThat(out.getParametersMap().get("priority").getParameterChoiceCase())
        .isEqualTo(InferParameter.ParameterChoiceCase.INT64_PARAM);
    assertThat(out.toBuilder().removeParameters("priority").build()).isEqualTo(req);
  }

  @Test
  void aPriorityTheClientSetIsOverriddenByTheAppendedOne() throws Exception {
    ModelInferRequest req = ModelInferRequest.newBuilder()
        .setModelName("llama")
        .putParameters("priority", InferParameter.newBuilder().setStringParam("top").build())
        .build();
    assertThat(appended(req, 1).getParametersMap().get("priority").getInt64Param()).isEqualTo(1);
  }

  @Test
  void negativeAndLargeValuesRoundTrip() throws Exception {
    ModelInferRequest req = ModelInferRequest.newBuilder().setModelName("m").build();
    assertThat(appended(req, -1).getParametersMap().get("priority").getInt64Param()).isEqualTo(-1);
    assertThat(appended(req, Long.MAX_VALUE).getParametersMap().get("priority").getInt64Param())
        .isEqualTo(Long.MAX_VALUE);
  }
}
