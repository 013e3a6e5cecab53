package ai.aim.scheduler.k8s;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * KServe {@code InferenceService} ({@code serving.kserve.io/v1beta1}) as untyped maps, and the
 * exact fields the scheduler writes to steer a predictor:
 *
 * <ul>
 *   <li>{@code spec.predictor.nodeSelector["kubernetes.io/hostname"]} = the partition's node;</li>
 *   <li>{@code resources.requests[<resourceName>]} and {@code resources.limits[<resourceName>]} =
 *       "1" on the predictor's model container: {@code spec.predictor.model} when present, else
 *       {@code spec.predictor.containers[0]}; a resource name set for an earlier placement is
 *       removed when it differs.</li>
 * </ul>
 *
 * Nothing else in the spec is touched. Static helpers; callers own the maps they pass.
 */
public final class InferenceServices {
    public static final ResourceDefinitionContext CONTEXT = new ResourceDefinitionContext.Builder()
            .withGroup("serving.kserve.io").withVersion("v1beta1").withKind("InferenceService")
            .withPlural("inferenceservices").withNamespaced(true).build();
    public static final String API_VERSION = "serving.kserve.io/v1beta1";
    public static final String HOSTNAME_LABEL = "kubernetes.io/hostname";
    public static final String FINALIZER = "aim.ai/placement";
    /** Condition type in {@code status.conditions}. */
    public static final String CONDITION = "AimGpuPlacement";

    private InferenceServices() {
    }

    /** Applies the steering; returns a note when there was no container to put the resource on. */
    static String steer(GenericKubernetesResource isvc, String node, String resourceName, String previousResource) {
        Map<String, Object> predictor = child(child(isvc.getAdditionalProperties(), "spec"), "predictor");
        child(predictor, "nodeSelector").put(HOSTNAME_LABEL, node);
        Map<String, Object> container = container(predictor);
        if (container == null) {
            return "the predictor has neither a model nor containers; only the node was steered";
        }
        Map<String, Object> resources = child(container, "resources");
        for (String kind : List.of("requests", "limits")) {
            Map<String, Object> m = child(resources, kind);
            if (previousResource != null && !previousResource.equals(resourceName)) {
                m.remove(previousResource);
            }
            m.put(resourceName, "1");
        }
        return null;
    }

    /** Removes what {@link #steer} set (when it still holds the values the scheduler wrote). */
    static void unsteer(GenericKubernetesResource isvc, String node, String resourceName) {
        Object spec = isvc.getAdditionalProperties().get("spec");
        if (!(spec instanceof Map<?, ?> s) || !(s.get("predictor") instanceof Map<?, ?> p)) {
            return;
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> predictor = (Map<String, Object>) p;
        if (predictor.get("nodeSelector") instanceof Map<?, ?> ns && node != null && node.equals(ns.get(HOSTNAME_LABEL))) {
            ns.remove(HOSTNAME_LABEL);
            if (ns.isEmpty()) {
                predictor.remove("nodeSelector");
            }
        }
        Map<String, Object> container = container(predictor);
        if (container != null && resourceName != null && container.get("resources") instanceof Map<?, ?> r) {
            for (String kind : List.of("requests", "limits")) {
                if (r.get(kind) instanceof Map<?, ?> m) {
                    m.remove(resourceName);
                }
            }
        }
    }

    /** Reads {@code spec.predictor.nodeSelector["kubernetes.io/hostname"]}, or null. */
    static String steeredNode(GenericKubernetesResource isvc) {
        if (isvc.getAdditionalProperties().get("spec") instanceof Map<?, ?> s && s.get("predictor") instanceof Map<?, ?> p
                && p.get("nodeSelector") instanceof Map<?, ?> ns && ns.get(HOSTNAME_LABEL) instanceof String n) {
            return n;
        }
        return null;
    }

    /** Reads the model container's {@code resources.limits[resourceName]}, or null. */
    static Object steeredLimit(GenericKubernetesResource isvc, String resourceName) {
        if (isvc.getAdditionalProperties().get("spec") instanceof Map<?, ?> s && s.get("predictor") instanceof Map<?, ?> p) {
            @SuppressWarnings("unchecked")
            Map<String, Object> c = container((Map<String, Object>) p);
            if (c != null && c.get("resources") instanceof Map<?, ?> r && r.get("limits") instanceof Map<?, ?> l) {
                return l.get(resourceName);
            }
        }
        return null;
    }

    /** Sets (or replaces) the scheduler's condition in {@code status.conditions}; true if it changed. */
    static boolean setCondition(GenericKubernetesResource isvc, boolean ok, String reason, String message, String now) {
        Map<String, Object> status = child(isvc.getAdditionalProperties(), "status");
        Object existing = status.get("conditions");
        List<Object> conditions = existing instanceof List<?> l ? new ArrayList<>(l) : new ArrayList<>();
        String statusValue = ok ? "True" : "False";
        for (int i = 0; i < conditions.size(); i++) {
            if (conditions.get(i) instanceof Map<?, ?> c && CONDITION.equals(c.get("type"))) {
                if (statusValue.equals(c.get("status")) && reason.equals(c.get("reason")) && message.equals(c.get("message"))) {
                    return false;
                }
                conditions.remove(i);
                break;
            }
        }
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("type", CONDITION);
        c.put("status", statusValue);
        c.put("reason", reason);
        c.put("message", message);
        c.put("lastTransitionTime", now);
        conditions.add(c);
        status.put("conditions", conditions);
        return true;
    }

    /** The scheduler's condition, or null. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> condition(GenericKubernetesResource isvc) {
        if (isvc.getAdditionalProperties().get("status") instanceof Map<?, ?> s && s.get("conditions") instanceof List<?> l) {
            for (Object o : l) {
                if (o instanceof Map<?, ?> c && CONDITION.equals(c.get("type"))) {
                    return (Map<String, Object>) c;
                }
            }
        }
        return null;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> container(Map<String, Object> predictor) {
        if (predictor.get("model") instanceof Map<?, ?> m) {
            return (Map<String, Object>) m;
        }
        if (predictor.get("containers") instanceof List<?> l && !l.isEmpty() && l.get(0) instanceof Map<?, ?> c) {
            return (Map<String, Object>) c;
        }
        return null;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> child(Map<String, Object> parent, String key) {
        Object v = parent.get(key);
        if (v instanceof Map<?, ?> m) {
            return (Map<String, Object>) m;
        }
        Map<String, Object> created = new LinkedHashMap<>();
        parent.put(key, created);
        return created;
    }
}
