package ai.aim.scheduler.client;

import java.util.List;
import java.util.Objects;

/**
 * Who a sidecar is, as announced in its {@code Hello}: the pod, its namespace, the models it
 * serves, the node it runs on and the sidecar's version. Immutable.
 */
public record SidecarIdentity(String pod, String namespace, List<String> models, String node, String version) {

    public SidecarIdentity {
        requireText(pod, "pod");
        requireText(namespace, "namespace");
        Objects.requireNonNull(models, "models");
        models = List.copyOf(models);
        node = node == null ? "" : node;
        version = version == null ? "" : version;
    }

    private static void requireText(String value, String name) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + ": '" + value + "' (expected: a non-blank name)");
        }
    }
}
