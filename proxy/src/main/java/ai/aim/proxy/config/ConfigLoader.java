package ai.aim.proxy.config;

import ai.aim.scheduler.client.TlsConfig;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * Builds a {@link ProxyConfig} from YAML plus overrides (the command-line flags), validating every
 * key: unknown keys and bad values fail with a message naming the key and what was expected.
 *
 * <p>Overrides are keyed by dotted path ({@code "http.port"}) and applied to the tree before it is
 * read, so a flag is validated exactly like the same key in the file. Stateless.
 */
public final class ConfigLoader {

  private static final YAMLMapper YAML = new YAMLMapper();

  private static final Set<String> ROOT = Set.of(
      "http", "grpc", "upstream", "admin", "eventLoops", "drainTimeout", "gpuSource",
      "scheduler", "admission", "models", "slo", "gpu", "tls");
  private static final Set<String> HTTP = Set.of(
      "bind", "port", "maxInitialLineLength", "maxHeaderSize", "maxBodySize", "maxUpgradeBodySize",
      "idleTimeout", "defaultModel");
  private static final Set<String> GRPC = Set.of("bind", "port");
  private static final Set<String> UPSTREAM = Set.of(
      "http", "grpc", "protocol", "connectTimeout", "responseTimeout", "maxIdlePerLoop");
  private static final Set<String> TLS = Set.of("certChain", "privateKey", "clientCa");
  private static final Set<String> ADMIN = Set.of("bind", "port", "readinessPath", "readinessInterval");

  private ConfigLoader() {}

  /** Reads {@code file} (or nothing when {@code null}) and applies {@code overrides}. */
  public static ProxyConfig load(Path file, Map<String, Object> overrides) throws ConfigException {
    String yaml = "";
    if (file != null) {
      try {
        yaml = Files.readString(file);
      } catch (IOException e) {
        throw new ConfigException("--config " + file + ": cannot read (" + e.getMessage() + ")", e);
      }
      // A named file with no content is a mistake or a file caught while being rewritten (editors
      // and ConfigMap updates truncate first); applying it would silently reset every setting.
      if (yaml.isBlank()) {
        throw new ConfigException(
            "--config " + file + ": the file is empty (expected: a YAML mapping)");
      }
    }
    return parse(yaml, overrides);
  }

  /** Parses YAML text and applies {@code overrides}. */
  public static ProxyConfig parse(String yaml, Map<String, Object> overrides) throws ConfigException {
    JsonNode tree;
    try {
      tree = yaml.isBlank() ? null : YAML.readTree(yaml);
    } catch (JsonProcessingException e) {
      throw new ConfigException("configuration is not valid YAML: " + e.getOriginalMessage(), e);
    }
    if (tree != null && !tree.isNull() && !tree.isObject()) {
      throw new ConfigException("configuration: expected a mapping at the top level");
    }
    ObjectNode root = tree == null || tree.isNull() ? JsonNodeFactory.instance.objectNode() : (ObjectNode) tree;
    for (Map.Entry<String, Object> o : overrides.entrySet()) {
      if (o.getValue() != null) {
        set(root, o.getKey(), o.getValue());
      }
    }
    return read(root);
  }

  private static void set(ObjectNode root, String dotted, Object value) throws ConfigException {
    String[] parts = dotted.split("\\.");
    ObjectNode n = root;
    for (int i = 0; i < parts.length - 1; i++) {
      JsonNode child = n.get(parts[i]);
      if (child == null || child.isNull()) {
        n = n.putObject(parts[i]);
      } else if (child.isObject()) {
        n = (ObjectNode) child;
      } else {
        throw new ConfigException(parts[i] + ": expected a mapping");
      }
    }
    n.set(parts[parts.length - 1], YAML.valueToTree(value));
  }

  /** Keys of the {@code scheduler} mapping. */
  private static final Set<String> SCHEDULER = Set.of("address", "tls");

  /** Keys of {@code scheduler.tls}. */
  private static final Set<String> SCHEDULER_TLS = Set.of("certChain", "privateKey", "trustCa");

  /**
   * {@code scheduler: HOST:PORT} or {@code scheduler: {address: HOST:PORT}}; absent or null: no
   * scheduler (the link is off).
   */
  private static String schedulerAddress(Section root, String def) throws ConfigException {
    JsonNode n = root.raw("scheduler");
    if (n.isObject()) {
      Section s = root.section("scheduler");
      s.onlyKeys(SCHEDULER);
      return s.hostPort("address", def);
    }
    return root.hostPort("scheduler", def);
  }

  private static ProxyConfig read(ObjectNode rootNode) throws ConfigException {
    ProxyConfig d = ProxyConfig.defaults();
    Section root = new Section("", rootNode);
    root.onlyKeys(ROOT);

    Section h = root.section("http");
    h.onlyKeys(HTTP);
    HttpConfig hd = d.http();
    HttpConfig http = new HttpConfig(
        h.string("bind", hd.bind()),
        h.integer("port", hd.port(), 0, 65535),
        (int) h.size("maxInitialLineLength", hd.maxInitialLineLength(), 256),
        (int) Math.min(Integer.MAX_VALUE, h.size("maxHeaderSize", hd.maxHeaderSize(), 1024)),
        h.size("maxBodySize", hd.maxBodySize(), 0),
        (int) Math.min(Integer.MAX_VALUE, h.size("maxUpgradeBodySize", hd.maxUpgradeBodySize(), 0)),
        h.duration("idleTimeout", hd.idleTimeout()),
        h.string("defaultModel", hd.defaultModel()));

    Section g = root.section("grpc");
    g.onlyKeys(GRPC);
    GrpcConfig grpc = new GrpcConfig(
        g.string("bind", d.grpc().bind()), g.integer("port", d.grpc().port(), 0, 65535));

    Section u = root.section("upstream");
    u.onlyKeys(UPSTREAM);
    UpstreamConfig ud = d.upstream();
    UpstreamConfig upstream = new UpstreamConfig(
        u.httpUrl("http", ud.http()),
        u.hostPort("grpc", ud.grpc()),
        u.enumValue("protocol", UpstreamProtocol.class, ud.protocol()),
        u.duration("connectTimeout", ud.connectTimeout()),
        u.duration("responseTimeout", ud.responseTimeout()),
        u.integer("maxIdlePerLoop", ud.maxIdlePerLoop(), 0, 100_000));

    Section a = root.section("admin");
    a.onlyKeys(ADMIN);
    AdminConfig ad = d.admin();
    String readinessPath = a.string("readinessPath", ad.readinessPath());
    if (!readinessPath.startsWith("/")) {
      throw new ConfigException("admin.readinessPath: '" + readinessPath + "' (expected: a path starting with /)");
    }
    AdminConfig admin = new AdminConfig(
        a.string("bind", ad.bind()),
        a.integer("port", ad.port(), 0, 65535),
        readinessPath,
        a.duration("readinessInterval", ad.readinessInterval()));
    if (admin.readinessInterval().isZero()) {
      throw new ConfigException("admin.readinessInterval: 0ms (expected: > 0)");
    }

    String gpuSource = root.string("gpuSource", d.gpuSource());
    if (!ProxyConfig.GPU_SOURCES.contains(gpuSource)) {
      throw new ConfigException(
          "gpuSource: '" + gpuSource + "' (expected: auto, amdsmi, sysfs, simulated or none)");
    }
    return new ProxyConfig(
        http,
        grpc,
        upstream,
        admin,
        root.integer("eventLoops", d.eventLoops(), 0, 1024),
        root.duration("drainTimeout", d.drainTimeout()),
        root.section("admission").optionalInteger("maxInflight", 1, 1_000_000),
        gpuSource,
        schedulerAddress(root, d.scheduler()),
        root.raw("admission"),
        root.raw("models"),
        root.raw("slo"),
        root.raw("gpu"),
        tls(root.section("tls")),
        schedulerTls(root));
  }

  /**
   * {@code scheduler.tls}: absent = plaintext link; {@code trustCa} verifies the scheduler (else
   * the JDK's trust store), {@code certChain} + {@code privateKey} present a client certificate.
   */
  private static TlsConfig schedulerTls(Section root) throws ConfigException {
    if (!root.raw("scheduler").isObject()) {
      return null;
    }
    Section s = root.section("scheduler");
    if (!s.raw("tls").isObject()) {
      if (!s.raw("tls").isMissingNode() && !s.raw("tls").isNull()) {
        throw new ConfigException("scheduler.tls: " + s.raw("tls") + " (expected: a mapping of certChain, privateKey, trustCa)");
      }
      return null;
    }
    Section t = s.section("tls");
    t.onlyKeys(SCHEDULER_TLS);
    Path cert = file(t, "scheduler.tls.", "certChain");
    Path key = file(t, "scheduler.tls.", "privateKey");
    Path ca = file(t, "scheduler.tls.", "trustCa");
    if ((cert == null) != (key == null)) {
      throw new ConfigException("scheduler.tls: " + (cert == null ? "certChain" : "privateKey")
          + " missing (expected: certChain and privateKey both set, or neither)");
    }
    return new TlsConfig(cert, key, ca);
  }

  /** The {@code tls} section: absent or empty = plain TCP; the files must exist and be readable. */
  private static ListenerTls tls(Section t) throws ConfigException {
    t.onlyKeys(TLS);
    Path cert = file(t, "tls.", "certChain");
    Path key = file(t, "tls.", "privateKey");
    Path clientCa = file(t, "tls.", "clientCa");
    if (cert == null && key == null) {
      if (clientCa != null) {
        throw new ConfigException(
            "tls.clientCa: set without tls.certChain and tls.privateKey (expected: mutual TLS needs"
                + " the server's own certificate too)");
      }
      return null;
    }
    if (cert == null || key == null) {
      throw new ConfigException("tls: " + (cert == null ? "certChain" : "privateKey")
          + " missing (expected: certChain and privateKey both set, or neither)");
    }
    return new ListenerTls(cert, key, clientCa);
  }

  private static Path file(Section t, String prefix, String k) throws ConfigException {
    String v = t.string(k, null);
    if (v == null || v.isBlank()) {
      return null;
    }
    Path p = Path.of(v);
    if (!Files.isRegularFile(p)) {
      throw new ConfigException(prefix + k + ": " + v + " (expected: an existing PEM file)");
    }
    if (!Files.isReadable(p)) {
      throw new ConfigException(prefix + k + ": " + v + " is not readable by this process");
    }
    return p;
  }
}
