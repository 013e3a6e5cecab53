package ai.aim.scheduler.k8s;

import ai.aim.scheduler.placement.ComputeMode;
import ai.aim.scheduler.placement.MemoryMode;
import ai.aim.scheduler.placement.QosPriority;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * Parses and validates the {@code aim.ai/gpu-sharing} annotation against the published JSON
 * Schema ({@code schema/gpu-sharing.schema.json}, copied to {@code docs/}). A bad value is a
 * {@link Result} naming the offending field, never an exception. Thread-safe (the compiled schema
 * is immutable); public so that an admission webhook can give the same answer up front.
 */
public final class GpuSharingParser {
    /** The annotation holding the configuration as JSON. */
    public static final String ANNOTATION = "aim.ai/gpu-sharing";

    private static final ObjectMapper JSON = new ObjectMapper();
    private final JsonSchema schema;

    public GpuSharingParser() {
        try (InputStream in = GpuSharingParser.class.getResourceAsStream("/schema/gpu-sharing.schema.json")) {
            if (in == null) {
                throw new IllegalStateException("schema/gpu-sharing.schema.json missing from the class path");
            }
            schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The outcome: a config, or the field at fault and a message. */
    public record Result(GpuSharingConfig config, String field, String message) {
        public boolean valid() {
            return config != null;
        }

        static Result invalid(String field, String message) {
            return new Result(null, field, message);
        }
    }

    public Result parse(String json) {
        JsonNode node;
        try {
            node = JSON.readTree(json == null ? "" : json);
        } catch (JsonProcessingException e) {
            return Result.invalid(ANNOTATION, "not valid JSON: " + e.getOriginalMessage());
        }
        if (node == null || node.isMissingNode()) {
            return Result.invalid(ANNOTATION, "empty (expected a JSON object such as {\"enabled\":true,\"memoryLimitGB\":16})");
        }
        Set<ValidationMessage> errors = schema.validate(node);
        if (!errors.isEmpty()) {
            List<ValidationMessage> sorted = errors.stream()
                    .sorted(Comparator.comparing(GpuSharingParser::field).thenComparing(ValidationMessage::getMessage)).toList();
            ValidationMessage first = sorted.get(0);
            StringBuilder msg = new StringBuilder();
            for (ValidationMessage m : sorted) {
                if (msg.length() > 0) {
                    msg.append("; ");
                }
                msg.append(field(m)).append(": ").append(describe(m));
            }
            return Result.invalid(field(first), msg.toString());
        }
        return new Result(new GpuSharingConfig(
                node.path("enabled").asBoolean(),
                text(node, "partitionId"),
                ComputeMode.parseOrNull(text(node, "computeMode")),
                MemoryMode.parseOrNull(text(node, "memoryMode")),
                node.path("memoryLimitGB").asDouble(0),
                text(node, "preferredPartition"),
                node.has("qosPriority") ? QosPriority.parseOrNull(node.get("qosPriority").asText()) : QosPriority.MEDIUM),
                null, null);
    }

    /** The field a message is about: the missing or unknown property, else the instance path. */
    private static String field(ValidationMessage m) {
        String property = m.getProperty();
        String location = m.getInstanceLocation() == null ? "$" : m.getInstanceLocation().toString();
        String path = location.startsWith("$.") ? location.substring(2) : location.equals("$") ? "" : location;
        if (property != null && !property.isEmpty() && !path.endsWith(property)) {
            return path.isEmpty() ? property : path + "." + property;
        }
        return path.isEmpty() ? "(root)" : path;
    }

    private static String describe(ValidationMessage m) {
        String text = m.getMessage();
        // networknt prefixes the message with the instance location; the field is already named.
        int colon = text.indexOf(": ");
        return colon > 0 && text.startsWith("$") ? text.substring(colon + 2) : text;
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }
}
