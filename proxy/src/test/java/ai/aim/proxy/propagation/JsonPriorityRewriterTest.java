package ai.aim.proxy.propagation;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class JsonPriorityRewriterTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static String top(String body, long v) {
    byte[] out = JsonPriorityRewriter.topLevel(body.getBytes(StandardCharsets.UTF_8), v);
    return out == null ? null : new String(out, StandardCharsets.UTF_8);
  }

  private static String nested(String body, long v) {
    byte[] out = JsonPriorityRewriter.inParameters(body.getBytes(StandardCharsets.UTF_8), v);
    return out == null ? null : new String(out, StandardCharsets.UTF_8);
  }

  @Test
  void addsTheTopLevelFieldFirstAndLeavesEveryOtherByteAsSent() {
    String body = "{ \"model\" : \"llama\",\n  \"max_tokens\": 1.50e2, \"messages\":[{\"role\":\"user\",\"content\":\"h\\u00e9\"}]}";
    assertThat(top(body, 2)).isEqualTo("{\"priority\":2, \"model\" : \"llama\",\n  \"max_tokens\": 1.50e2,"
        + " \"messages\":[{\"role\":\"user\",\"content\":\"h\\u00e9\"}]}");
  }

  @Test
  void replacesAPriorityTheClientSetWhateverItsType() {
    assertThat(top("{\"priority\": -7 ,\"a\":1}", 1)).isEqualTo("{\"priority\": 1 ,\"a\":1}");
    assertThat(top("{\"a\":1,\"priority\":\"urgent\"}", 0)).isEqualTo("{\"a\":1,\"priority\":0}");
    assertThat(top("{\"priority\":{\"x\":[1,2]},\"a\":true}", 2)).isEqualTo("{\"priority\":2,\"a\":true}");
    assertThat(top("{\"priority\":1,\"priority\":2}", 5)).isEqualTo("{\"priority\":5,\"priority\":5}");
  }

  @Test
  void aNestedPriorityIsNotTheTopLevelOne() {
    assertThat(top("{\"x\":{\"priority\":9}}", 1)).isEqualTo("{\"priority\":1,\"x\":{\"priority\":9}}");
  }

  @Test
  void anEmptyObjectGetsTheFieldWithoutAComma() {
    assertThat(top("{}", 2)).isEqualTo("{\"priority\":2}");
    assertThat(top(" { } ", 2)).isEqualTo(" {\"priority\":2 } ");
    assertThat(nested("{}", 3)).isEqualTo("{\"parameters\":{\"priority\":3}}");
  }

  @Test
  void kserveBodiesGetParametersPriorityAddedOrReplaced() throws Exception {
    String infer = "{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[1.0]}]}";
    JsonNode added = JSON.readTree(nested(infer, 1));
    assertThat(added.at("/parameters/priority").asLong()).isEqualTo(1);
    assertThat(added.get("inputs")).isEqualTo(JSON.readTree(infer).get("inputs"));

    assertThat(nested("{\"parameters\":{\"timeout\":5},\"inputs\":[]}", 3))
        .isEqualTo("{\"parameters\":{\"priority\":3,\"timeout\":5},\"inputs\":[]}");
    assertThat(nested("{\"parameters\":{},\"inputs\":[]}", 3))
        .isEqualTo("{\"parameters\":{\"priority\":3},\"inputs\":[]}");
    assertThat(nested("{\"parameters\":{\"priority\":1,\"t\":2}}", 3))
        .isEqualTo("{\"parameters\":{\"priority\":3,\"t\":2}}");
    assertThat(nested("{\"parameters\":null,\"inputs\":[]}", 2))
        .isEqualTo("{\"parameters\":{\"priority\":2},\"inputs\":[]}");
    assertThat(nested("{\"priority\":1}", 2)).isEqualTo("{\"parameters\":{\"priority\":2},\"priority\":1}");
  }

  @Test
  void negativeAndLargeValuesAreWrittenAsIntegers() throws Exception {
    assertThat(JSON.readTree(top("{\"a\":1}", -3)).get("priority").asLong()).isEqualTo(-3);
    assertThat(JSON.readTree(top("{\"a\":1}", Long.MAX_VALUE)).get("priority").asLong())
        .isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void anythingButExactlyOneJsonObjectIsLeftAlone() {
    assertThat(top("{\"a\":", 1)).isNull();
    assertThat(top("{\"a\":1}}", 1)).isNull();
    assertThat(top("{\"a\":1} {\"b\":2}", 1)).isNull();
    assertThat(top("[1,2]", 1)).isNull();
    assertThat(top("\"text\"", 1)).isNull();
    assertThat(top("", 1)).isNull();
    assertThat(top("{a:1}", 1)).isNull();
    assertThat(top("{\"a\":tru}", 1)).isNull();
    assertThat(nested("{\"parameters\":[1]}", 1)).isNull();
    assertThat(nested("{\"parameters\":{},\"parameters\":{}}", 1)).isNull();
  }
}
