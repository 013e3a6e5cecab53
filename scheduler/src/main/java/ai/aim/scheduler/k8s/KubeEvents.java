package ai.aim.scheduler.k8s;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records Kubernetes Events (core/v1) about the objects the scheduler acts on, as
 * {@code kubectl describe} shows them. A failure to record is logged, never thrown: an event is a
 * courtesy, not part of the reconcile. Thread-safe.
 */
final class KubeEvents {
    private static final Logger log = LoggerFactory.getLogger(KubeEvents.class);
    static final String COMPONENT = "aim-scheduler";

    private final KubernetesClient client;
    private final String instance;

    KubeEvents(KubernetesClient client, String instance) {
        this.client = client;
        this.instance = instance;
    }

    void normal(HasMetadata on, String reason, String message) {
        record(on, "Normal", reason, message);
    }

    void warning(HasMetadata on, String reason, String message) {
        record(on, "Warning", reason, message);
    }

    private void record(HasMetadata on, String type, String reason, String message) {
        String ns = on.getMetadata().getNamespace() == null ? "default" : on.getMetadata().getNamespace();
        String now = Instant.now().toString();
        try {
            client.v1().events().inNamespace(ns).resource(new EventBuilder()
                    .withNewMetadata()
                    .withName(on.getMetadata().getName() + "." + Long.toHexString(System.nanoTime()))
                    .withNamespace(ns)
                    .endMetadata()
                    .withNewInvolvedObject()
                    .withApiVersion(on.getApiVersion()).withKind(on.getKind())
                    .withName(on.getMetadata().getName()).withNamespace(on.getMetadata().getNamespace())
                    .withUid(on.getMetadata().getUid()).withResourceVersion(on.getMetadata().getResourceVersion())
                    .endInvolvedObject()
                    .withType(type).withReason(reason)
                    .withMessage(message.length() > 1000 ? message.substring(0, 1000) : message)
                    .withNewSource().withComponent(COMPONENT).withHost(instance).endSource()
                    .withReportingComponent(COMPONENT).withReportingInstance(instance)
                    .withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
                    .build()).create();
        } catch (RuntimeException e) {
            log.warn("could not record event {} on {}/{}: {}", reason, ns, on.getMetadata().getName(), e.toString());
        }
    }
}
