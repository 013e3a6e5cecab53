package ai.aim.scheduler.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import ai.aim.scheduler.config.SchedulerConfig;
import ai.aim.scheduler.k8s.GpuPartition;
import ai.aim.scheduler.webhook.InjectionSettings;
import ai.aim.scheduler.webhook.WebhookSettings;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Renders and lints the chart with a real Helm (helm-java embeds Helm's Go library), parses every
 * rendered object into its typed Fabric8 class, and checks what an operator relies on.
 */
class HelmChartTest {

  static final Path CHART = Paths.get("..", "deploy", "helm", "aim").toAbsolutePath().normalize();
  static final ObjectMapper YAML = new YAMLMapper();

  @Test
  void lintsClean() {
    LintResult lint = new Helm(CHART).lint().strict().call();
    assertThat(lint.isFailed()).as(String.join("\n", lint.getMessages())).isFalse();
    assertThat(lint.getMessages()).noneMatch(m -> m.contains("[ERROR]") || m.contains("[WARNING]"));
  }

  @Test
  void rendersEveryObjectAnOperatorInstallsWithDefaults() throws IOException {
    List<HasMetadata> objects = render(Map.of());

    Map<String, Long> kinds = objects.stream().collect(Collectors.groupingBy(HasMetadata::getKind, Collectors.counting()));
    assertThat(kinds).containsEntry("Deployment", 1L).containsEntry("Service", 1L)
        .containsEntry("ServiceAccount", 1L).containsEntry("ClusterRole", 1L).containsEntry("ClusterRoleBinding", 1L)
        .containsEntry("Role", 1L).containsEntry("RoleBinding", 1L).containsEntry("MutatingWebhookConfiguration", 1L)
        .containsEntry("ServiceMonitor", 1L).containsEntry("PodMonitor", 1L).containsEntry("PrometheusRule", 1L);
    assertThat(kinds.get("ConfigMap")).as("scheduler config, sidecar config, three dashboards").isEqualTo(5L);

    Deployment scheduler = one(objects, Deployment.class);
    assertThat(scheduler.getSpec().getReplicas()).isEqualTo(2);
    Container c = scheduler.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(c.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
    assertThat(c.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(c.getResources().getRequests()).containsKeys("cpu", "memory");
    assertThat(c.getResources().getLimits()).containsKeys("memory");
    assertThat(c.getArgs()).contains("--grpc-port=9500", "--kubernetes=auto", "--config=/etc/aim/scheduler.yaml");
    assertThat(c.getReadinessProbe().getGrpc().getPort()).isEqualTo(9500);
    assertThat(scheduler.getSpec().getTemplate().getSpec().getServiceAccountName())
        .isEqualTo(one(objects, ServiceAccount.class).getMetadata().getName());

    Service service = one(objects, Service.class);
    assertThat(service.getSpec().getPorts()).extracting(p -> p.getName() + ":" + p.getPort())
        .containsExactly("grpc:9500", "metrics:9501", "webhook:443");

    MutatingWebhookConfiguration webhook = one(objects, MutatingWebhookConfiguration.class);
    assertThat(webhook.getWebhooks()).hasSize(1);
    assertThat(webhook.getWebhooks().get(0).getClientConfig().getService().getName()).isEqualTo(service.getMetadata().getName());
    assertThat(webhook.getWebhooks().get(0).getClientConfig().getService().getPath()).isEqualTo("/inject");
    assertThat(webhook.getWebhooks().get(0).getSideEffects()).isEqualTo("None");
    assertThat(webhook.getWebhooks().get(0).getFailurePolicy()).isEqualTo("Ignore");
  }

  @Test
  void grantsLeastPrivilege() throws IOException {
    List<HasMetadata> objects = render(Map.of());
    ClusterRole clusterRole = one(objects, ClusterRole.class);
    for (PolicyRule rule : clusterRole.getRules()) {
      assertThat(rule.getVerbs()).as("no wildcard verbs").doesNotContain("*");
      assertThat(rule.getResources()).as("no wildcard resources").doesNotContain("*");
      assertThat(rule.getResources()).as("no cluster-wide secrets").doesNotContain("secrets");
      assertThat(rule.getVerbs()).as("nothing may exec or escalate").doesNotContain("escalate", "bind", "impersonate");
    }
    assertThat(clusterRole.getRules()).anyMatch(r -> r.getResources().contains("gpupartitions"));
    assertThat(clusterRole.getRules()).anyMatch(r -> r.getResources().contains("scaledobjects"));
    assertThat(clusterRole.getRules()).filteredOn(r -> r.getResources().contains("mutatingwebhookconfigurations"))
        .allMatch(r -> !r.getResourceNames().isEmpty(), "only its own webhook configuration");

    Role role = one(objects, Role.class);
    assertThat(role.getRules()).anyMatch(r -> r.getResources().contains("leases"));
    assertThat(role.getRules()).filteredOn(r -> r.getResources().contains("secrets") && !r.getVerbs().equals(List.of("create")))
        .allMatch(r -> !r.getResourceNames().isEmpty(), "only its own TLS secret");
    assertThat(one(objects, ClusterRoleBinding.class).getRoleRef().getName()).isEqualTo(clusterRole.getMetadata().getName());
    assertThat(one(objects, RoleBinding.class).getRoleRef().getName()).isEqualTo(role.getMetadata().getName());
  }

  @Test
  void theSchedulerConfigCarriesInjectionSettingsTheWebhookAccepts() throws IOException {
    List<HasMetadata> objects = render(Map.of());
    ConfigMap config = configMap(objects, "scheduler.yaml");
    JsonNode scheduler = YAML.readTree(config.getData().get("scheduler.yaml"));
    Path file = Files.createTempFile("scheduler", ".yaml");
    Files.writeString(file, config.getData().get("scheduler.yaml"));
    SchedulerConfig parsed = SchedulerConfig.load(file);
    Files.delete(file);
    assertThat(parsed.grpcPort()).isEqualTo(9500);
    assertThat(parsed.leaderElection().leaseNamespace()).isEqualTo("aim-system");
    assertThat(parsed.keda().scalerAddress()).isEqualTo("release-aim-scheduler.aim-system.svc:9500");
    WebhookSettings webhook = WebhookSettings.fromConfig(parsed.webhook());
    assertThat(webhook.enabled()).isTrue();
    assertThat(webhook.port()).isEqualTo(9443);
    assertThat(webhook.namespace()).isEqualTo("aim-system");
    assertThat(webhook.secretName()).isEqualTo("release-aim-webhook-tls");
    assertThat(webhook.serviceName()).isEqualTo("release-aim-scheduler");
    InjectionSettings settings = webhook.injection();
    assertThat(settings.sidecarImage()).isEqualTo("aim-proxy:0.1.0");
    assertThat(settings.cpuLimit()).as("no CPU limit on the sidecar by default").isEmpty();
    assertThat(settings.schedulerAddress()).isEqualTo("release-aim-scheduler.aim-system.svc:9500");
    assertThat(scheduler.path("webhook").path("selfManagedCertificate").asBoolean()).isTrue();

    JsonNode sidecar = YAML.readTree(configMap(objects, "sidecar.yaml").getData().get("sidecar.yaml"));
    assertThat(sidecar.path("admission").path("maxInflight").asInt()).isPositive();
  }

  @Test
  void aKedaClientSecretGivesAClusterTriggerAuthenticationThatTheSchedulerConfigNames() throws IOException {
    assertThat(kinds(render(Map.of()))).doesNotContain("ClusterTriggerAuthentication");

    List<HasMetadata> objects = render(Map.of("keda.clientTlsSecret", "keda-aim-client"));
    GenericKubernetesResource auth = objects.stream()
        .filter(o -> o.getKind().equals("ClusterTriggerAuthentication"))
        .map(GenericKubernetesResource.class::cast).findFirst().orElseThrow();
    assertThat(auth.getApiVersion()).isEqualTo("keda.sh/v1alpha1");
    String refs = auth.get("spec", "secretTargetRef").toString();
    assertThat(refs).contains("parameter=caCert", "parameter=tlsClientCert", "parameter=tlsClientKey",
        "name=keda-aim-client", "key=ca.crt", "key=tls.crt", "key=tls.key");

    ConfigMap config = configMap(objects, "scheduler.yaml");
    Path file = Files.createTempFile("scheduler", ".yaml");
    Files.writeString(file, config.getData().get("scheduler.yaml"));
    SchedulerConfig parsed = SchedulerConfig.load(file);
    Files.delete(file);
    assertThat(parsed.keda().clusterTriggerAuthentication()).isEqualTo(auth.getMetadata().getName());
  }

  @Test
  void rendersNonDefaultValues() throws IOException {
    List<HasMetadata> objects = render(Map.of(
        "webhook.certManager.enabled", "true",
        "monitoring.podMonitor.enabled", "false",
        "monitoring.dashboards.enabled", "false",
        "scheduler.replicas", "3",
        "sidecar.cpuLimit", "2",
        "image.registry", "registry.example.com/aim"));
    assertThat(kinds(objects)).contains("Certificate", "Issuer").doesNotContain("PodMonitor");
    assertThat(objects.stream().filter(o -> o instanceof ConfigMap).count()).isEqualTo(2);
    assertThat(one(objects, Deployment.class).getSpec().getReplicas()).isEqualTo(3);
    assertThat(one(objects, Deployment.class).getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
        .isEqualTo("registry.example.com/aim/aim-scheduler:0.1.0");
    MutatingWebhookConfiguration webhook = one(objects, MutatingWebhookConfiguration.class);
    assertThat(webhook.getMetadata().getAnnotations()).containsKey("cert-manager.io/inject-ca-from");
    ClusterRole role = one(objects, ClusterRole.class);
    assertThat(role.getRules()).noneMatch(r -> r.getResources().contains("mutatingwebhookconfigurations"));
    JsonNode scheduler = YAML.readTree(configMap(objects, "scheduler.yaml").getData().get("scheduler.yaml"));
    assertThat(InjectionSettings.fromConfig(scheduler.path("webhook")).cpuLimit()).isEqualTo("2");
    GenericKubernetesResource certificate = objects.stream().filter(o -> o.getKind().equals("Certificate"))
        .map(GenericKubernetesResource.class::cast).findFirst().orElseThrow();
    assertThat(certificate.get("spec", "dnsNames").toString()).contains("release-aim-scheduler.aim-system.svc");
  }

  @Test
  void alertRulesPassPromtool(@TempDir Path dir) throws Exception {
    Path promtool = Paths.get("/usr/bin/promtool");
    if (!Files.isExecutable(promtool)) {
      assertThat(System.getenv("CI")).as("CI must install promtool (Debian package prometheus)").isNotEqualTo("true");
      System.err.println("SKIPPED: promtool not found; install the Debian package 'prometheus' to check alert rules");
      assumeThat(false).isTrue();
    }
    GenericKubernetesResource rule = render(Map.of()).stream().filter(o -> o.getKind().equals("PrometheusRule"))
        .map(GenericKubernetesResource.class::cast).findFirst().orElseThrow();
    Path rules = dir.resolve("aim-rules.yaml");
    YAML.writeValue(rules.toFile(), rule.getAdditionalProperties().get("spec"));
    Process p = new ProcessBuilder(promtool.toString(), "check", "rules", rules.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    assertThat(out).contains("SUCCESS");
  }

  @Test
  void shipsTheGpuPartitionCrdThatTheSchedulerModels() throws IOException {
    Path crd = CHART.resolve("crds").resolve("gpupartitions.aim.ai.yaml");
    CustomResourceDefinition definition = Serialization.unmarshal(Files.readString(crd), CustomResourceDefinition.class);
    assertThat(definition.getSpec().getGroup()).isEqualTo(HasMetadata.getGroup(GpuPartition.class));
    assertThat(definition.getSpec().getNames().getKind()).isEqualTo(HasMetadata.getKind(GpuPartition.class));
    assertThat(definition.getSpec().getScope()).isEqualTo("Cluster");
    assertThat(definition.getSpec().getVersions()).extracting(v -> v.getName())
        .contains(HasMetadata.getVersion(GpuPartition.class));
    assertThat(definition.getSpec().getVersions().get(0).getSubresources().getStatus()).isNotNull();
    assertThat(new Helm(CHART).lint().strict().call().isFailed()).isFalse();
  }

  static List<HasMetadata> render(Map<String, String> values) throws IOException {
    var template = new Helm(CHART).template().withName("release").withNamespace("aim-system");
    values.forEach(template::set);
    String manifest = template.call();
    List<HasMetadata> objects = new ArrayList<>();
    try (MappingIterator<JsonNode> docs = YAML.readerFor(JsonNode.class).readValues(new YAMLFactory().createParser(manifest))) {
      while (docs.hasNext()) {
        JsonNode doc = docs.next();
        if (doc == null || doc.isNull() || doc.isEmpty()) {
          continue;
        }
        objects.add(Serialization.unmarshal(new ObjectMapper().writeValueAsString(doc), HasMetadata.class));
      }
    }
    return objects;
  }

  static List<String> kinds(List<HasMetadata> objects) {
    return objects.stream().map(HasMetadata::getKind).collect(Collectors.toList());
  }

  static <T> T one(List<HasMetadata> objects, Class<T> type) {
    List<T> found = objects.stream().filter(type::isInstance).map(type::cast).collect(Collectors.toList());
    assertThat(found).as(type.getSimpleName()).hasSize(1);
    return found.get(0);
  }

  static ConfigMap configMap(List<HasMetadata> objects, String key) {
    return objects.stream().filter(o -> o instanceof ConfigMap).map(ConfigMap.class::cast)
        .filter(c -> c.getData() != null && c.getData().containsKey(key)).findFirst().orElseThrow();
  }
}
