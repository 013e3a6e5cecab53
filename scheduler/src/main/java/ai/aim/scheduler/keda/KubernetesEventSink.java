package ai.aim.scheduler.keda;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes {@link EventSink} events as core/v1 Events, so that {@code kubectl describe} shows them on
 * the object. Thread-safe; a failure to write is logged, never thrown (events are best effort).
 */
public final class KubernetesEventSink implements EventSink {

  private static final Logger log = LoggerFactory.getLogger(KubernetesEventSink.class);

  private final KubernetesClient client;
  private final String component;
  private final AtomicLong sequence = new AtomicLong();

  public KubernetesEventSink(KubernetesClient client, String component) {
    this.client = client;
    this.component = component;
  }

  @Override
  public void emit(InvolvedObject object, Type type, String reason, String message) {
    String now = Instant.now().toString();
    String name =
        object.name() + "." + Long.toHexString(System.currentTimeMillis())
            + Long.toHexString(sequence.incrementAndGet());
    try {
      client
          .v1()
          .events()
          .inNamespace(object.namespace())
          .resource(
              new EventBuilder()
                  .withNewMetadata()
                  .withName(name.toLowerCase(Locale.ROOT))
                  .withNamespace(object.namespace())
                  .endMetadata()
                  .withInvolvedObject(
                      new ObjectReferenceBuilder()
                          .withApiVersion(object.apiVersion())
                          .withKind(object.kind())
                          .withNamespace(object.namespace())
                          .withName(object.name())
                          .withUid(object.uid())
                          .build())
                  .withType(type.kubernetesName())
                  .withReason(reason)
                  .withMessage(message)
                  .withFirstTimestamp(now)
                  .withLastTimestamp(now)
                  .withCount(1)
                  .withNewSource()
                  .withComponent(component)
                  .endSource()
                  .build())
          .create();
    } catch (KubernetesClientException e) {
      log.warn("could not record event {} on {}/{}: {}", reason, object.kind(), object.name(), e.getMessage());
    }
  }
}
