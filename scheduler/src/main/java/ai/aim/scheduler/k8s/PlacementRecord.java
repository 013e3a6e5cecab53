package ai.aim.scheduler.k8s;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Optional;

/**
 * The value of the InferenceService annotation {@code aim.ai/placement} (JSON), written by the
 * leading scheduler: the state ({@code Placed}, {@code Unschedulable}, {@code Invalid}), where the
 * model is and what was steered, or the field and message when the config is invalid. The
 * annotation is the source of truth from which a new leader rebuilds the allocations. Immutable.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PlacementRecord(
        String state,
        String partition,
        String node,
        String gpuId,
        String partitionId,
        String resourceName,
        Long memoryBytes,
        String priority,
        String config,
        String field,
        String message,
        String by) {

    /** The annotation key. */
    public static final String ANNOTATION = "aim.ai/placement";
    public static final String PLACED = "Placed";
    public static final String UNSCHEDULABLE = "Unschedulable";
    public static final String INVALID = "Invalid";

    private static final ObjectMapper JSON = new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public static Optional<PlacementRecord> parse(String json) {
        if (json == null || json.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.ofNullable(JSON.readValue(json, PlacementRecord.class));
        } catch (JsonProcessingException e) {
            return Optional.empty();
        }
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public boolean placed() {
        return PLACED.equals(state);
    }
}
