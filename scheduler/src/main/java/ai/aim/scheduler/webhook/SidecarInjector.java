package ai.aim.scheduler.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Turns an opted-in KServe predictor pod into one with the admission sidecar in front of its model
 * server, as a JSON Patch (RFC 6902).
 *
 * <p>What changes, and why:
 *
 * <ul>
 *   <li>The sidecar container takes over the ports the model container declared (so the Service
 *       that targets them now reaches the sidecar); the model server moves to
 *       {@link InjectionSettings#modelServerPort()} on the pod's loopback, told through the
 *       {@code PORT} variable and by rewriting {@code --port}, {@code --http_port} and
 *       {@code --grpc_port} arguments where present.
 *   <li>The model container's readiness probe goes to the sidecar's admin port
 *       ({@code /health/ready}, which is true only while the model server is ready and the sidecar
 *       is not draining); its liveness and startup probes follow the model server to its new port,
 *       so a sidecar restart never restarts the model server.
 *   <li>A {@code preStop} hook on the sidecar starts the drain before the kubelet sends SIGTERM, and
 *       the pod's grace period is raised to cover the drain timeout.
 *   <li>A ConfigMap named by the annotation {@code aim.ai/sidecar-config} is mounted as the
 *       sidecar's config file; without it the sidecar runs on its flags and built-in defaults.
 *   <li>A {@code kubernetes.io/tls} Secret named by {@code aim.ai/sidecar-tls-secret} is mounted
 *       (whole, so the kubelet's updates reach the files and the sidecar serves a rotated
 *       certificate without a restart) and turns on TLS on the sidecar's HTTP and gRPC ports;
 *       with {@code aim.ai/sidecar-tls-client-auth: "true"} clients must also present a
 *       certificate signed by the Secret's {@code ca.crt}.
 * </ul>
 *
 * <p>Idempotent: a pod that already has the sidecar (or the {@code aim.ai/injected} annotation) is
 * left alone. A pod without {@code aim.ai/inject: "true"} is left alone.
 *
 * <p>Stateless and thread-safe.
 */
public final class SidecarInjector {

  /** The annotation by which a pod (from its InferenceService) opts in. */
  public static final String INJECT_ANNOTATION = "aim.ai/inject";
  /** Set on injected pods; its value is the sidecar image. */
  public static final String INJECTED_ANNOTATION = "aim.ai/injected";
  /** Names a ConfigMap in the pod's namespace holding {@code sidecar.yaml}. */
  public static final String CONFIG_ANNOTATION = "aim.ai/sidecar-config";
  /** Names a {@code kubernetes.io/tls} Secret in the pod's namespace: TLS on the sidecar's ports. */
  public static final String TLS_SECRET_ANNOTATION = "aim.ai/sidecar-tls-secret";
  /** {@code "true"}: clients must present a certificate signed by the Secret's {@code ca.crt}. */
  public static final String TLS_CLIENT_AUTH_ANNOTATION = "aim.ai/sidecar-tls-client-auth";
  /** Default priority for the model's requests: {@code high|medium|low}. */
  public static final String PRIORITY_ANNOTATION = "aim.ai/default-priority";
  /** Label on injected pods, selected by the chart's PodMonitor. */
  public static final String SIDECAR_LABEL = "aim.ai/sidecar";

  static final String SIDECAR_NAME = "aim-sidecar";
  static final String TMP_VOLUME = "aim-sidecar-tmp";
  static final String CONFIG_VOLUME = "aim-sidecar-config";
  static final String CONFIG_DIR = "/etc/aim/sidecar";
  static final String TLS_VOLUME = "aim-sidecar-tls";
  static final String TLS_DIR = "/etc/aim/tls";

  private static final Pattern DNS_1123 = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private final InjectionSettings settings;

  public SidecarInjector(InjectionSettings settings) {
    this.settings = settings;
  }

  /** The result of looking at one pod. */
  public sealed interface Result permits Skip, Patch, Refuse {}

  /** Nothing to do; {@code why} says which rule applied. */
  public record Skip(String why) implements Result {}

  /** Inject with these JSON Patch operations. */
  public record Patch(ArrayNode operations) implements Result {}

  /** The pod opted in but cannot be injected as it stands; {@code message} says what to fix. */
  public record Refuse(String message) implements Result {}

  /** Decides for one pod, given as its JSON object. */
  public Result inject(JsonNode pod) {
    if (pod == null || !pod.isObject()) {
      return new Refuse("object: not a Pod (expected: a JSON object)");
    }
    JsonNode annotations = pod.path("metadata").path("annotations");
    if (!"true".equalsIgnoreCase(annotations.path(INJECT_ANNOTATION).asText(""))) {
      return new Skip("no " + INJECT_ANNOTATION + ": \"true\" annotation");
    }
    JsonNode containers = pod.path("spec").path("containers");
    if (!containers.isArray() || containers.isEmpty()) {
      return new Refuse("spec.containers: empty (expected: the model server container)");
    }
    if (annotations.has(INJECTED_ANNOTATION) || findContainer(containers, SIDECAR_NAME) >= 0) {
      return new Skip("already injected");
    }
    String configMap = annotations.path(CONFIG_ANNOTATION).asText("");
    if (!configMap.isEmpty() && (configMap.length() > 253 || !DNS_1123.matcher(configMap).matches())) {
      return new Refuse(CONFIG_ANNOTATION + ": \"" + configMap + "\" (expected: a ConfigMap name)");
    }
    String tlsSecret = annotations.path(TLS_SECRET_ANNOTATION).asText("");
    if (!tlsSecret.isEmpty() && (tlsSecret.length() > 253 || !DNS_1123.matcher(tlsSecret).matches())) {
      return new Refuse(TLS_SECRET_ANNOTATION + ": \"" + tlsSecret + "\" (expected: a Secret name)");
    }
    String clientAuth = annotations.path(TLS_CLIENT_AUTH_ANNOTATION).asText("");
    if (!clientAuth.isEmpty() && !clientAuth.equals("true") && !clientAuth.equals("false")) {
      return new Refuse(TLS_CLIENT_AUTH_ANNOTATION + ": \"" + clientAuth + "\" (expected: true|false)");
    }
    if (clientAuth.equals("true") && tlsSecret.isEmpty()) {
      return new Refuse(TLS_CLIENT_AUTH_ANNOTATION + ": \"true\" without " + TLS_SECRET_ANNOTATION
          + " (expected: a TLS Secret whose ca.crt signs the client certificates)");
    }
    String priority = annotations.path(PRIORITY_ANNOTATION).asText("");
    if (!priority.isEmpty() && !List.of("high", "medium", "low").contains(priority.toLowerCase())) {
      return new Refuse(PRIORITY_ANNOTATION + ": \"" + priority + "\" (expected: high|medium|low)");
    }

    int modelIndex = findContainer(containers, "kserve-container");
    if (modelIndex < 0) {
      modelIndex = 0;
    }
    ObjectNode model = containers.get(modelIndex).deepCopy();
    List<JsonNode> takenPorts = new ArrayList<>();
    int httpPort = -1;
    int grpcPort = -1;
    for (JsonNode p : model.path("ports")) {
      takenPorts.add(p);
      boolean grpc = isGrpcPort(p);
      if (grpc && grpcPort < 0) {
        grpcPort = p.path("containerPort").asInt();
      } else if (!grpc && httpPort < 0) {
        httpPort = p.path("containerPort").asInt();
      }
    }
    if (httpPort < 0) {
      httpPort = settings.httpPort();
    }
    if (grpcPort < 0) {
      grpcPort = settings.grpcPort();
    }
    for (int clash : new int[] {settings.adminPort(), settings.modelServerPort(), settings.modelServerGrpcPort()}) {
      if (clash == httpPort || clash == grpcPort) {
        return new Refuse("port " + clash + " of " + model.path("name").asText()
            + " clashes with the sidecar's own ports (change webhook.sidecar ports or the model's)");
      }
    }

    moveModelServer(model, httpPort, grpcPort);
    ArrayNode newContainers = JSON.arrayNode();
    for (int i = 0; i < containers.size(); i++) {
      newContainers.add(i == modelIndex ? model : containers.get(i));
    }
    String modelName = pod.path("metadata").path("labels").path("serving.kserve.io/inferenceservice").asText("");
    newContainers.add(sidecar(httpPort, grpcPort, takenPorts, configMap, modelName, priority.toLowerCase(),
        tlsSecret, clientAuth.equals("true")));

    ArrayNode volumes = pod.path("spec").path("volumes").isArray()
        ? ((ArrayNode) pod.path("spec").path("volumes")).deepCopy()
        : JSON.arrayNode();
    volumes.addObject().put("name", TMP_VOLUME).putObject("emptyDir").put("sizeLimit", "64Mi");
    if (!configMap.isEmpty()) {
      ObjectNode v = volumes.addObject().put("name", CONFIG_VOLUME);
      v.putObject("configMap").put("name", configMap);
    }
    if (!tlsSecret.isEmpty()) {
      ObjectNode v = volumes.addObject().put("name", TLS_VOLUME);
      // Default file mode (0644): the sidecar runs as a non-root user without an fsGroup, and is
      // the only container that mounts the Secret.
      v.putObject("secret").put("secretName", tlsSecret);
    }

    ObjectNode labels = pod.path("metadata").path("labels").isObject()
        ? ((ObjectNode) pod.path("metadata").path("labels")).deepCopy()
        : JSON.objectNode();
    labels.put(SIDECAR_LABEL, "injected");
    ObjectNode newAnnotations = ((ObjectNode) annotations).deepCopy();
    newAnnotations.put(INJECTED_ANNOTATION, settings.sidecarImage());
    newAnnotations.put("aim.ai/model-server-port", Integer.toString(settings.modelServerPort()));

    long grace = Math.max(pod.path("spec").path("terminationGracePeriodSeconds").asLong(30),
        settings.drainTimeoutSeconds() + 5L);

    ArrayNode ops = JSON.arrayNode();
    add(ops, "/metadata/labels", labels);
    add(ops, "/metadata/annotations", newAnnotations);
    add(ops, "/spec/containers", newContainers);
    add(ops, "/spec/volumes", volumes);
    add(ops, "/spec/terminationGracePeriodSeconds", JSON.numberNode(grace));
    return new Patch(ops);
  }

  private void moveModelServer(ObjectNode model, int httpPort, int grpcPort) {
    model.remove("ports");
    ArrayNode env = model.path("env").isArray() ? (ArrayNode) model.get("env") : model.putArray("env");
    for (int i = env.size() - 1; i >= 0; i--) {
      if ("PORT".equals(env.get(i).path("name").asText())) {
        env.remove(i);
      }
    }
    env.addObject().put("name", "PORT").put("value", Integer.toString(settings.modelServerPort()));
    for (String field : new String[] {"command", "args"}) {
      if (model.path(field).isArray()) {
        rewritePortArgs((ArrayNode) model.get(field));
      }
    }
    if (model.has("readinessProbe")) {
      ObjectNode readiness = JSON.objectNode();
      readiness.putObject("httpGet").put("path", "/health/ready").put("port", settings.adminPort());
      copyTiming(model.path("readinessProbe"), readiness);
      model.set("readinessProbe", readiness);
    }
    for (String probe : new String[] {"livenessProbe", "startupProbe"}) {
      retargetProbe(model.path(probe), httpPort, grpcPort);
    }
  }

  private void rewritePortArgs(ArrayNode args) {
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i).asText();
      for (String flag : new String[] {"--port", "--http_port", "--http-port", "--grpc_port", "--grpc-port"}) {
        String to = Integer.toString(flag.contains("grpc") ? settings.modelServerGrpcPort() : settings.modelServerPort());
        if (a.equals(flag) && i + 1 < args.size()) {
          args.set(i + 1, JSON.textNode(to));
        } else if (a.startsWith(flag + "=")) {
          args.set(i, JSON.textNode(flag + "=" + to));
        }
      }
    }
  }

  private void retargetProbe(JsonNode probe, int httpPort, int grpcPort) {
    for (String handler : new String[] {"httpGet", "tcpSocket", "grpc"}) {
      JsonNode h = probe.path(handler);
      if (h.isObject() && h.has("port")) {
        JsonNode port = h.get("port");
        int target = port.isInt() ? port.asInt() : -1;
        boolean named = port.isTextual();
        if (target == grpcPort || (named && port.asText().contains("h2c")) || (named && port.asText().contains("grpc"))) {
          ((ObjectNode) h).put("port", settings.modelServerGrpcPort());
        } else if (target == httpPort || named) {
          ((ObjectNode) h).put("port", settings.modelServerPort());
        }
      }
    }
  }

  private ObjectNode sidecar(int httpPort, int grpcPort, List<JsonNode> takenPorts, String configMap,
      String modelName, String priority, String tlsSecret, boolean clientAuth) {
    ObjectNode c = JSON.objectNode();
    c.put("name", SIDECAR_NAME);
    c.put("image", settings.sidecarImage());
    ArrayNode args = c.putArray("args");
    args.add("--http-port=" + httpPort);
    args.add("--grpc-port=" + grpcPort);
    args.add("--admin-port=" + settings.adminPort());
    args.add("--upstream-http=http://127.0.0.1:" + settings.modelServerPort());
    args.add("--upstream-grpc=127.0.0.1:" + settings.modelServerGrpcPort());
    args.add("--gpu-source=" + settings.gpuSource());
    args.add("--drain-timeout=" + settings.drainTimeoutSeconds() + "s");
    if (!settings.schedulerAddress().isEmpty()) {
      args.add("--scheduler=" + settings.schedulerAddress());
    }
    if (!configMap.isEmpty()) {
      args.add("--config=" + CONFIG_DIR + "/sidecar.yaml");
    }
    if (!tlsSecret.isEmpty()) {
      args.add("--tls-cert=" + TLS_DIR + "/tls.crt");
      args.add("--tls-key=" + TLS_DIR + "/tls.key");
      if (clientAuth) {
        args.add("--tls-client-ca=" + TLS_DIR + "/ca.crt");
      }
    }
    ArrayNode ports = c.putArray("ports");
    boolean sawHttp = false;
    boolean sawGrpc = false;
    for (JsonNode p : takenPorts) {
      ObjectNode copy = ((ObjectNode) p).deepCopy();
      copy.remove("hostPort");
      ports.add(copy);
      sawGrpc |= isGrpcPort(p);
      sawHttp |= !isGrpcPort(p);
    }
    if (!sawHttp) {
      ports.addObject().put("name", "http1").put("containerPort", httpPort).put("protocol", "TCP");
    }
    if (!sawGrpc) {
      ports.addObject().put("name", "aim-grpc").put("containerPort", grpcPort).put("protocol", "TCP");
    }
    ports.addObject().put("name", "aim-admin").put("containerPort", settings.adminPort()).put("protocol", "TCP");

    ArrayNode env = c.putArray("env");
    fieldRef(env, "POD_NAME", "metadata.name");
    fieldRef(env, "POD_NAMESPACE", "metadata.namespace");
    fieldRef(env, "NODE_NAME", "spec.nodeName");
    if (!modelName.isEmpty()) {
      env.addObject().put("name", "AIM_MODEL").put("value", modelName);
    }
    if (!priority.isEmpty()) {
      env.addObject().put("name", "AIM_DEFAULT_PRIORITY").put("value", priority);
    }
    env.addObject().put("name", "JAVA_TOOL_OPTIONS").put("value", "-XX:MaxRAMPercentage=70 -XX:+ExitOnOutOfMemoryError");

    ObjectNode readiness = c.putObject("readinessProbe");
    readiness.putObject("httpGet").put("path", "/health/ready").put("port", settings.adminPort());
    readiness.put("periodSeconds", 2).put("failureThreshold", 1);
    ObjectNode liveness = c.putObject("livenessProbe");
    liveness.putObject("httpGet").put("path", "/health/live").put("port", settings.adminPort());
    liveness.put("periodSeconds", 10).put("failureThreshold", 3);
    c.putObject("lifecycle").putObject("preStop").putObject("httpGet")
        .put("path", "/drain").put("port", settings.adminPort());

    ObjectNode resources = c.putObject("resources");
    resources.putObject("requests").put("cpu", settings.cpuRequest()).put("memory", settings.memoryRequest());
    ObjectNode limits = resources.putObject("limits").put("memory", settings.memoryLimit());
    if (!settings.cpuLimit().isEmpty()) {
      limits.put("cpu", settings.cpuLimit());
    }
    ObjectNode sc = c.putObject("securityContext");
    sc.put("allowPrivilegeEscalation", false).put("readOnlyRootFilesystem", true)
        .put("runAsNonRoot", true).put("runAsUser", 10001);
    sc.putObject("capabilities").putArray("drop").add("ALL");

    ArrayNode mounts = c.putArray("volumeMounts");
    mounts.addObject().put("name", TMP_VOLUME).put("mountPath", "/tmp");
    if (!configMap.isEmpty()) {
      mounts.addObject().put("name", CONFIG_VOLUME).put("mountPath", CONFIG_DIR).put("readOnly", true);
    }
    if (!tlsSecret.isEmpty()) {
      // The whole directory, not subPath files: only then does the kubelet update them in place.
      mounts.addObject().put("name", TLS_VOLUME).put("mountPath", TLS_DIR).put("readOnly", true);
    }
    return c;
  }

  private static boolean isGrpcPort(JsonNode port) {
    String name = port.path("name").asText("");
    return name.equals("h2c") || name.contains("grpc");
  }

  private static void fieldRef(ArrayNode env, String name, String path) {
    env.addObject().put("name", name).putObject("valueFrom").putObject("fieldRef").put("fieldPath", path);
  }

  private static void copyTiming(JsonNode from, ObjectNode to) {
    for (String k : new String[] {"initialDelaySeconds", "periodSeconds", "timeoutSeconds", "failureThreshold", "successThreshold"}) {
      if (from.has(k)) {
        to.set(k, from.get(k));
      }
    }
  }

  private static int findContainer(JsonNode containers, String name) {
    for (int i = 0; i < containers.size(); i++) {
      if (name.equals(containers.get(i).path("name").asText())) {
        return i;
      }
    }
    return -1;
  }

  private static void add(ArrayNode ops, String path, JsonNode value) {
    ops.addObject().put("op", "add").put("path", path).set("value", value);
  }
}
