package ai.aim.sim.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * KServe Open Inference Protocol v2 JSON: request validation and the answers of the simulated
 * identity model (each output mirrors an input). Stateless.
 */
final class V2 {
  static final Set<String> DATATYPES = Set.of(
      "BOOL", "UINT8", "UINT16", "UINT32", "UINT64", "INT8", "INT16", "INT32", "INT64",
      "FP16", "FP32", "FP64", "BYTES", "BF16");

  /** One validated input tensor with its data flattened in row-major order. */
  record Tensor(String name, String datatype, ArrayNode shape, ArrayNode data) {}

  /** A validated inference request. */
  record Request(String id, String priority, List<Tensor> inputs, List<String> outputNames,
      long elements) {}

  private V2() {}

  static ObjectNode serverMetadata(ObjectMapper json) {
    ObjectNode n = json.createObjectNode()
        .put("name", Routes.SERVER_NAME)
        .put("version", Routes.SERVER_VERSION);
    n.putArray("extensions");
    return n;
  }

  static ObjectNode modelMetadata(ObjectMapper json, String model) {
    ObjectNode n = json.createObjectNode().put("name", model).put("platform", "aim-sim");
    n.putArray("versions").add("1");
    n.putArray("inputs").addObject().put("name", "input0").put("datatype", "FP32")
        .putArray("shape").add(-1);
    n.putArray("outputs").addObject().put("name", "output0").put("datatype", "FP32")
        .putArray("shape").add(-1);
    return n;
  }

  /** Validates a request body against the v2 spec; throws with a message naming the field. */
  static Request parse(JsonNode root) {
    JsonNode id = root.get("id");
    if (id != null && !id.isTextual()) {
      throw new IllegalArgumentException("id: " + id.getNodeType() + " (expected: a string)");
    }
    String priority = null;
    JsonNode params = root.get("parameters");
    if (params != null) {
      if (!params.isObject()) {
        throw new IllegalArgumentException(
            "parameters: " + params.getNodeType() + " (expected: an object)");
      }
      JsonNode p = params.get("priority");
      if (p != null) {
        if (!p.isIntegralNumber() || p.asLong() < 0) {
          throw new IllegalArgumentException("parameters.priority: " + p + " (expected: an integer >= 0)");
        }
        priority = p.asText();
      }
    }
    JsonNode inputs = root.get("inputs");
    if (inputs == null || !inputs.isArray() || inputs.isEmpty()) {
      throw new IllegalArgumentException("inputs: "
          + (inputs == null ? "missing" : inputs.isArray() ? "[]" : inputs.getNodeType())
          + " (expected: a non-empty array of tensors)");
    }
    List<Tensor> tensors = new ArrayList<>();
    long elements = 0;
    for (int i = 0; i < inputs.size(); i++) {
      Tensor t = tensor(inputs.get(i), "inputs[" + i + "]");
      tensors.add(t);
      elements += t.data().size();
    }
    List<String> outputNames = new ArrayList<>();
    JsonNode outputs = root.get("outputs");
    if (outputs != null) {
      if (!outputs.isArray()) {
        throw new IllegalArgumentException("outputs: " + outputs.getNodeType() + " (expected: an array)");
      }
      for (int i = 0; i < outputs.size(); i++) {
        JsonNode name = outputs.get(i).get("name");
        if (name == null || !name.isTextual() || name.asText().isEmpty()) {
          throw new IllegalArgumentException("outputs[" + i + "].name: " + name + " (expected: a string)");
        }
        outputNames.add(name.asText());
      }
    }
    return new Request(id == null ? null : id.asText(), priority, tensors, outputNames, elements);
  }

  private static Tensor tensor(JsonNode t, String where) {
    if (!t.isObject()) {
      throw new IllegalArgumentException(where + ": " + t.getNodeType() + " (expected: an object)");
    }
    JsonNode name = t.get("name");
    if (name == null || !name.isTextual() || name.asText().isEmpty()) {
      throw new IllegalArgumentException(where + ".name: " + name + " (expected: a non-empty string)");
    }
    JsonNode dt = t.get("datatype");
    if (dt == null || !dt.isTextual() || !DATATYPES.contains(dt.asText())) {
      throw new IllegalArgumentException(where + ".datatype: " + dt + " (expected: one of "
          + new java.util.TreeSet<>(DATATYPES) + ")");
    }
    JsonNode shape = t.get("shape");
    if (shape == null || !shape.isArray()) {
      throw new IllegalArgumentException(where + ".shape: " + shape + " (expected: an array of integers)");
    }
    long expected = 1;
    for (JsonNode d : shape) {
      if (!d.isIntegralNumber() || d.asLong() < 0) {
        throw new IllegalArgumentException(where + ".shape: " + shape + " (expected: integers >= 0)");
      }
      expected = Math.multiplyExact(expected, d.asLong());
    }
    JsonNode data = t.get("data");
    if (data == null || !data.isArray()) {
      throw new IllegalArgumentException(where + ".data: " + (data == null ? "missing" : data.getNodeType())
          + " (expected: an array)");
    }
    ArrayNode flat = ((ArrayNode) data).arrayNode();
    flatten(data, flat);
    if (flat.size() != expected) {
      throw new IllegalArgumentException(where + ".data: " + flat.size() + " elements (expected: "
          + expected + " for shape " + shape + ")");
    }
    String type = dt.asText();
    for (JsonNode e : flat) {
      boolean ok = switch (type) {
        case "BOOL" -> e.isBoolean();
        case "BYTES" -> e.isTextual();
        case "FP16", "FP32", "FP64", "BF16" -> e.isNumber();
        default -> e.isIntegralNumber();
      };
      if (!ok) {
        throw new IllegalArgumentException(where + ".data: element " + e + " (expected: a "
            + type + " value)");
      }
    }
    return new Tensor(name.asText(), type, (ArrayNode) shape, flat);
  }

  private static void flatten(JsonNode n, ArrayNode out) {
    for (JsonNode e : n) {
      if (e.isArray()) {
        flatten(e, out);
      } else {
        out.add(e);
      }
    }
  }

  /** The identity model's answer: output j mirrors input min(j, inputs - 1). */
  static ObjectNode response(ObjectMapper json, String model, Request req) {
    ObjectNode n = json.createObjectNode().put("model_name", model).put("model_version", "1");
    if (req.id() != null) {
      n.put("id", req.id());
    }
    ArrayNode outs = n.putArray("outputs");
    int count = req.outputNames().isEmpty() ? req.inputs().size() : req.outputNames().size();
    for (int j = 0; j < count; j++) {
      Tensor in = req.inputs().get(Math.min(j, req.inputs().size() - 1));
      String name = req.outputNames().isEmpty() ? "output" + j : req.outputNames().get(j);
      ObjectNode o = outs.addObject().put("name", name).put("datatype", in.datatype());
      o.set("shape", in.shape());
      o.set("data", in.data());
    }
    return n;
  }
}
