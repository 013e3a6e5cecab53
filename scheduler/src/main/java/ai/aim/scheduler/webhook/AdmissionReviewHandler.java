package ai.aim.scheduler.webhook;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers {@code admission.k8s.io/v1} AdmissionReview requests for the sidecar injection webhook.
 *
 * <p>Every input gets an AdmissionReview back, never an exception: a malformed review (not JSON,
 * wrong kind or version, no uid, no object) is denied with code 400 and a message naming what was
 * wrong; a pod that opted in with bad annotations is denied naming the annotation; everything else
 * is allowed, with a JSON Patch when the sidecar is injected.
 *
 * <p>Stateless apart from counters; thread-safe.
 */
public final class AdmissionReviewHandler {

  private static final Logger log = LoggerFactory.getLogger(AdmissionReviewHandler.class);
  private static final String API_VERSION = "admission.k8s.io/v1";

  private final SidecarInjector injector;
  private final ObjectMapper mapper;
  private final LongAdder injected = new LongAdder();
  private final LongAdder skipped = new LongAdder();
  private final LongAdder denied = new LongAdder();

  public AdmissionReviewHandler(SidecarInjector injector, ObjectMapper mapper) {
    this.injector = injector;
    this.mapper = mapper;
  }

  /** Handles one request body and returns the response body (JSON). */
  public byte[] handle(byte[] body) {
    JsonNode review;
    try {
      review = mapper.readTree(body);
    } catch (IOException e) {
      return deny("", 400, "body: not JSON (expected: an admission.k8s.io/v1 AdmissionReview)");
    }
    if (review == null || !review.isObject()) {
      return deny("", 400, "body: not a JSON object (expected: an AdmissionReview)");
    }
    JsonNode request = review.path("request");
    String uid = request.path("uid").asText("");
    if (!API_VERSION.equals(review.path("apiVersion").asText())
        || !"AdmissionReview".equals(review.path("kind").asText())) {
      return deny(uid, 400, "apiVersion/kind: " + review.path("apiVersion").asText("<none>") + "/"
          + review.path("kind").asText("<none>") + " (expected: " + API_VERSION + "/AdmissionReview)");
    }
    if (uid.isEmpty()) {
      return deny("", 400, "request.uid: missing (expected: the request's uid)");
    }
    if (!"Pod".equals(request.path("kind").path("kind").asText(""))) {
      return allow(uid, null, "not a Pod");
    }
    if (!request.path("object").isObject()) {
      return deny(uid, 400, "request.object: missing (expected: the Pod being created)");
    }
    SidecarInjector.Result result = injector.inject(request.path("object"));
    if (result instanceof SidecarInjector.Patch p) {
      injected.increment();
      return allow(uid, p, null);
    }
    if (result instanceof SidecarInjector.Refuse r) {
      return deny(uid, 422, r.message());
    }
    return allow(uid, null, ((SidecarInjector.Skip) result).why());
  }

  /** Pods injected since start. */
  public long injectedCount() {
    return injected.sum();
  }

  /** Reviews allowed unchanged since start. */
  public long skippedCount() {
    return skipped.sum();
  }

  /** Reviews denied since start. */
  public long deniedCount() {
    return denied.sum();
  }

  private byte[] allow(String uid, SidecarInjector.Patch patch, String skipReason) {
    ObjectNode root = envelope(uid);
    ObjectNode response = (ObjectNode) root.get("response");
    response.put("allowed", true);
    if (patch != null) {
      response.put("patchType", "JSONPatch");
      response.put("patch", Base64.getEncoder().encodeToString(write(patch.operations())));
    } else {
      skipped.increment();
      log.debug("admission {}: unchanged ({})", uid, skipReason);
    }
    return write(root);
  }

  private byte[] deny(String uid, int code, String message) {
    denied.increment();
    log.warn("admission {} denied: {}", uid.isEmpty() ? "<no uid>" : uid, message);
    ObjectNode root = envelope(uid);
    ObjectNode response = (ObjectNode) root.get("response");
    response.put("allowed", false);
    response.putObject("status").put("code", code).put("message", "aim sidecar injection: " + message);
    return write(root);
  }

  private ObjectNode envelope(String uid) {
    ObjectNode root = mapper.createObjectNode();
    root.put("apiVersion", API_VERSION).put("kind", "AdmissionReview");
    root.putObject("response").put("uid", uid);
    return root;
  }

  private byte[] write(JsonNode node) {
    try {
      return mapper.writeValueAsString(node).getBytes(StandardCharsets.UTF_8);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize a tree built here", e);
    }
  }
}
