package ai.aim.scheduler.keda;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one KEDA ScaledObject per opted-in InferenceService in line with its annotations: created
 * when the model opts in, updated when an annotation changes, deleted when the model opts out or
 * is deleted (the owner reference also lets the garbage collector remove it). Invalid settings
 * are refused with a Warning Event on the InferenceService; a model that was valid keeps its last
 * good ScaledObject until the annotations are fixed.
 *
 * <p>Threads: Fabric8's informer delivers events one at a time on its own thread, which is the
 * only caller of {@link #reconcile} and {@link #deleted} once {@link #start()} ran.
 */
public final class ScaledObjectReconciler implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ScaledObjectReconciler.class);

  static final ResourceDefinitionContext INFERENCE_SERVICE =
      new ResourceDefinitionContext.Builder()
          .withGroup("serving.kserve.io")
          .withVersion("v1beta1")
          .withKind("InferenceService")
          .withPlural("inferenceservices")
          .withNamespaced(true)
          .build();
  static final ResourceDefinitionContext SCALED_OBJECT =
      new ResourceDefinitionContext.Builder()
          .withGroup("keda.sh")
          .withVersion("v1alpha1")
          .withKind("ScaledObject")
          .withPlural("scaledobjects")
          .withNamespaced(true)
          .build();
  static final String MANAGED_BY = "app.kubernetes.io/managed-by";
  static final String MANAGER = "aim-scheduler";
  static final String MODEL_LABEL = "aim.ai/inference-service";

  private static final long RESYNC_MILLIS = 5 * 60_000L;

  private final KubernetesClient client;
  private final ScaledObjectConfig config;
  private final EventSink events;
  private final BooleanSupplier leader;
  private final ObjectMapper mapper = new ObjectMapper();
  /** Last refusal message per InferenceService uid, so a resync does not repeat the Event. */
  private final ConcurrentMap<String, String> refused = new ConcurrentHashMap<>();
  private SharedIndexInformer<GenericKubernetesResource> informer;

  public ScaledObjectReconciler(KubernetesClient client, ScaledObjectConfig config, EventSink events) {
    this(client, config, events, () -> true);
  }

  /**
   * @param leader whether this replica may write; a non-leader only watches, and {@link
   *     #resyncAll()} catches up when it gains leadership
   */
  public ScaledObjectReconciler(
      KubernetesClient client, ScaledObjectConfig config, EventSink events, BooleanSupplier leader) {
    this.client = Objects.requireNonNull(client, "client");
    this.config = Objects.requireNonNull(config, "config");
    this.events = Objects.requireNonNull(events, "events");
    this.leader = Objects.requireNonNull(leader, "leader");
  }

  /** Reconciles every InferenceService the informer holds (after gaining leadership). */
  public void resyncAll() {
    SharedIndexInformer<GenericKubernetesResource> i;
    synchronized (this) {
      i = informer;
    }
    if (i != null) {
      for (GenericKubernetesResource isvc : i.getStore().list()) {
        safely(() -> reconcile(isvc));
      }
    }
  }

  /** Starts the InferenceService informer (all namespaces, or the configured one). */
  public synchronized void start() {
    var isvcs = client.genericKubernetesResources(INFERENCE_SERVICE);
    ResourceEventHandler<GenericKubernetesResource> handler =
        new ResourceEventHandler<>() {
          @Override
          public void onAdd(GenericKubernetesResource obj) {
            safely(() -> reconcile(obj));
          }

          @Override
          public void onUpdate(GenericKubernetesResource oldObj, GenericKubernetesResource newObj) {
            safely(() -> reconcile(newObj));
          }

          @Override
          public void onDelete(GenericKubernetesResource obj, boolean finalStateUnknown) {
            safely(() -> deleted(obj));
          }
        };
    informer =
        config.namespace() == null
            ? isvcs.inAnyNamespace().inform(handler, RESYNC_MILLIS)
            : isvcs.inNamespace(config.namespace()).inform(handler, RESYNC_MILLIS);
  }

  @Override
  public synchronized void close() {
    if (informer != null) {
      informer.close();
    }
  }

  private static void safely(Runnable r) {
    try {
      r.run();
    } catch (KubernetesClientException e) {
      // The next event or resync retries; the informer thread must survive.
      log.warn("ScaledObject reconcile failed: {}", e.getMessage());
    }
  }

  /** Brings the ScaledObject of {@code isvc} in line with its annotations. */
  void reconcile(GenericKubernetesResource isvc) {
    if (!leader.getAsBoolean()) {
      return;
    }
    String ns = isvc.getMetadata().getNamespace();
    String name = isvc.getMetadata().getName();
    Map<String, String> annotations =
        Optional.ofNullable(isvc.getMetadata().getAnnotations()).orElse(Map.of());
    if (isvc.getMetadata().getDeletionTimestamp() != null) {
      return;
    }
    if (!AutoscalingAnnotations.optedIn(annotations)) {
      refused.remove(uid(isvc));
      deleteOwned(ns, name);
      return;
    }
    AutoscalingAnnotations.Parsed parsed = AutoscalingAnnotations.parse(name, annotations);
    if (parsed.spec().isEmpty()) {
      String message = "autoscaling not applied: " + String.join("; ", parsed.errors());
      if (!message.equals(refused.put(uid(isvc), message))) {
        events.emit(involved(isvc), EventSink.Type.WARNING, "InvalidAutoscaling", message);
      }
      return;
    }
    refused.remove(uid(isvc));
    Map<String, Object> spec =
        ScaledObjectSpecBuilder.spec(ns, name, parsed.spec().get(), config);
    GenericKubernetesResource desired = desired(isvc, spec);
    Resource<GenericKubernetesResource> ref =
        scaledObjects().inNamespace(ns).withName(ScaledObjectSpecBuilder.name(name));
    GenericKubernetesResource existing = ref.get();
    if (existing == null) {
      scaledObjects().inNamespace(ns).resource(desired).create();
      events.emit(
          involved(isvc), EventSink.Type.NORMAL, "ScaledObjectCreated",
          "created ScaledObject " + desired.getMetadata().getName());
      return;
    }
    if (!MANAGER.equals(labels(existing).get(MANAGED_BY))) {
      events.emit(
          involved(isvc), EventSink.Type.WARNING, "ScaledObjectConflict",
          "ScaledObject " + existing.getMetadata().getName()
              + " exists and is not managed by " + MANAGER + "; leaving it alone");
      return;
    }
    if (sameJson(existing.getAdditionalProperties().get("spec"), spec)
        && sameJson(existing.getMetadata().getOwnerReferences(), desired.getMetadata().getOwnerReferences())) {
      return;
    }
    desired.getMetadata().setResourceVersion(existing.getMetadata().getResourceVersion());
    scaledObjects().inNamespace(ns).resource(desired).update();
    events.emit(
        involved(isvc), EventSink.Type.NORMAL, "ScaledObjectUpdated",
        "updated ScaledObject " + desired.getMetadata().getName() + " from the annotations");
  }

  /** The InferenceService is gone: remove its ScaledObject now rather than waiting for GC. */
  void deleted(GenericKubernetesResource isvc) {
    if (!leader.getAsBoolean()) {
      return;
    }
    refused.remove(uid(isvc));
    deleteOwned(isvc.getMetadata().getNamespace(), isvc.getMetadata().getName());
  }

  private void deleteOwned(String ns, String isvcName) {
    Resource<GenericKubernetesResource> ref =
        scaledObjects().inNamespace(ns).withName(ScaledObjectSpecBuilder.name(isvcName));
    GenericKubernetesResource existing = ref.get();
    if (existing != null && MANAGER.equals(labels(existing).get(MANAGED_BY))) {
      ref.delete();
    }
  }

  private MixedOperation<GenericKubernetesResource, GenericKubernetesResourceList, Resource<GenericKubernetesResource>> scaledObjects() {
    return client.genericKubernetesResources(SCALED_OBJECT);
  }

  private static GenericKubernetesResource desired(GenericKubernetesResource isvc, Map<String, Object> spec) {
    String name = isvc.getMetadata().getName();
    GenericKubernetesResource so =
        new GenericKubernetesResourceBuilder()
            .withApiVersion("keda.sh/v1alpha1")
            .withKind("ScaledObject")
            .withNewMetadata()
            .withName(ScaledObjectSpecBuilder.name(name))
            .withNamespace(isvc.getMetadata().getNamespace())
            .addToLabels(MANAGED_BY, MANAGER)
            .addToLabels(MODEL_LABEL, name)
            .withOwnerReferences(
                new OwnerReferenceBuilder()
                    .withApiVersion(isvc.getApiVersion())
                    .withKind(isvc.getKind())
                    .withName(name)
                    .withUid(isvc.getMetadata().getUid())
                    .withController(true)
                    .withBlockOwnerDeletion(true)
                    .build())
            .endMetadata()
            .build();
    so.setAdditionalProperty("spec", spec);
    return so;
  }

  private boolean sameJson(Object a, Object b) {
    return mapper.valueToTree(a).equals(mapper.valueToTree(b));
  }

  private static Map<String, String> labels(GenericKubernetesResource r) {
    return Optional.ofNullable(r.getMetadata().getLabels()).orElse(Map.of());
  }

  private static String uid(GenericKubernetesResource r) {
    String uid = r.getMetadata().getUid();
    return uid != null ? uid : r.getMetadata().getNamespace() + "/" + r.getMetadata().getName();
  }

  private static EventSink.InvolvedObject involved(GenericKubernetesResource isvc) {
    return new EventSink.InvolvedObject(
        isvc.getApiVersion(), isvc.getKind(), isvc.getMetadata().getNamespace(),
        isvc.getMetadata().getName(), isvc.getMetadata().getUid());
  }
}
