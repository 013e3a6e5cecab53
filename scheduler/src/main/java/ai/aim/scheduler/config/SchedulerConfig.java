package ai.aim.scheduler.config;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The scheduler's settings, as read from the YAML file given with {@code --config} (every key
 * optional; flags override). Immutable; missing values take the defaults shown in
 * {@code docs/scheduler.md}.
 *
 * <pre>
 * grpcPort: 9500
 * metricsPort: 9501
 * kubernetes: auto          # auto | none
 * schedulerId: ""           # default: $POD_NAME or the host name
 * staleAfter: 10s           # a sidecar silent this long leaves the aggregate
 * reportInterval: ""        # e.g. 2s: asked of every sidecar in the Welcome; default: their own
 * leaderElection:
 *   enabled: true
 *   leaseName: aim-scheduler
 *   leaseNamespace: ""      # default: $POD_NAMESPACE or "default"
 *   leaseDuration: 15s
 *   renewDeadline: 10s
 *   retryPeriod: 2s
 * discovery:
 *   enabled: true           # create GpuPartitions from AMD device-plugin resources
 *   defaultGpuMemoryGiB: 192
 * keda:
 *   scalerAddress: ""       # what generated ScaledObjects dial; default $AIM_KEDA_SCALER_ADDRESS
 *   prometheusServerAddress: ""   # the fallback trigger's server; default $AIM_PROMETHEUS_ADDRESS
 * webhook:                  # the sidecar injection webhook; see docs/install.md
 *   enabled: false
 * grpcTls:                  # TLS on the gRPC port (sidecars and KEDA); absent = plaintext
 *   certChain: /etc/aim/grpc-tls/tls.crt
 *   privateKey: /etc/aim/grpc-tls/tls.key
 *   clientCa: /etc/aim/grpc-tls/ca.crt   # optional: require client certificates (mutual TLS)
 * </pre>
 */
@JsonIgnoreProperties(ignoreUnknown = false)
public record SchedulerConfig(
        Integer grpcPort,
        Integer metricsPort,
        String kubernetes,
        String schedulerId,
        String staleAfter,
        LeaderElection leaderElection,
        Discovery discovery,
        Keda keda,
        JsonNode webhook,
        GrpcTls grpcTls,
        String reportInterval) {

    public SchedulerConfig {
        grpcPort = grpcPort == null ? 9500 : port("grpcPort", grpcPort);
        metricsPort = metricsPort == null ? 9501 : port("metricsPort", metricsPort);
        kubernetes = kubernetes == null ? "auto" : kubernetes;
        if (!kubernetes.equals("auto") && !kubernetes.equals("none")) {
            throw new IllegalArgumentException("kubernetes: '" + kubernetes + "' (expected: auto or none)");
        }
        schedulerId = schedulerId == null || schedulerId.isBlank() ? defaultId() : schedulerId;
        staleAfter = staleAfter == null ? "10s" : staleAfter;
        Durations.parse("staleAfter", staleAfter);
        leaderElection = leaderElection == null ? new LeaderElection(null, null, null, null, null, null) : leaderElection;
        discovery = discovery == null ? new Discovery(null, null) : discovery;
        keda = keda == null ? new Keda(null, null, null) : keda;
        webhook = webhook == null ? MissingNode.getInstance() : webhook;
        grpcTls = grpcTls == null || grpcTls.certChain() == null && grpcTls.privateKey() == null
                && grpcTls.clientCa() == null ? null : grpcTls;
        if (reportInterval != null) {
            Duration r = Durations.parse("reportInterval", reportInterval);
            Duration stale = Durations.parse("staleAfter", staleAfter);
            if (r.compareTo(Duration.ofMillis(100)) < 0 || r.multipliedBy(2).compareTo(stale) > 0) {
                throw new IllegalArgumentException("reportInterval: " + reportInterval
                        + " (expected: at least 100ms and at most half of staleAfter, " + staleAfter + ")");
            }
        }
    }

    /** Without {@code grpcTls} (plaintext gRPC), as before TLS existed. */
    public SchedulerConfig(Integer grpcPort, Integer metricsPort, String kubernetes, String schedulerId,
            String staleAfter, LeaderElection leaderElection, Discovery discovery, Keda keda, JsonNode webhook) {
        this(grpcPort, metricsPort, kubernetes, schedulerId, staleAfter, leaderElection, discovery, keda, webhook,
                null, null);
    }

    public static SchedulerConfig defaults() {
        return new SchedulerConfig(null, null, null, null, null, null, null, null, null, null, null);
    }

    public static SchedulerConfig load(Path file) throws IOException {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory()).enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        SchedulerConfig c = yaml.readValue(file.toFile(), SchedulerConfig.class);
        return c == null ? defaults() : c;
    }

    /**
     * The report interval the scheduler asks sidecars for in its Welcome, or {@link Duration#ZERO}
     * to let each sidecar keep its own.
     */
    public Duration reportIntervalDuration() {
        return reportInterval == null ? Duration.ZERO : Durations.parse("reportInterval", reportInterval);
    }

    public SchedulerConfig withReportInterval(String r) {
        return new SchedulerConfig(grpcPort, metricsPort, kubernetes, schedulerId, staleAfter, leaderElection, discovery,
                keda, webhook, grpcTls, r);
    }

    public Duration staleAfterDuration() {
        return Durations.parse("staleAfter", staleAfter);
    }

    public SchedulerConfig withGrpcPort(int p) {
        return new SchedulerConfig(p, metricsPort, kubernetes, schedulerId, staleAfter, leaderElection, discovery, keda, webhook, grpcTls, reportInterval);
    }

    public SchedulerConfig withMetricsPort(int p) {
        return new SchedulerConfig(grpcPort, p, kubernetes, schedulerId, staleAfter, leaderElection, discovery, keda, webhook, grpcTls, reportInterval);
    }

    public SchedulerConfig withKubernetes(String k) {
        return new SchedulerConfig(grpcPort, metricsPort, k, schedulerId, staleAfter, leaderElection, discovery, keda, webhook, grpcTls, reportInterval);
    }

    public SchedulerConfig withSchedulerId(String id) {
        return new SchedulerConfig(grpcPort, metricsPort, kubernetes, id, staleAfter, leaderElection, discovery, keda, webhook, grpcTls, reportInterval);
    }

    public SchedulerConfig withStaleAfter(String s) {
        return new SchedulerConfig(grpcPort, metricsPort, kubernetes, schedulerId, s, leaderElection, discovery, keda, webhook, grpcTls, reportInterval);
    }

    public SchedulerConfig withLeaderElection(LeaderElection l) {
        return new SchedulerConfig(grpcPort, metricsPort, kubernetes, schedulerId, staleAfter, l, discovery, keda, webhook, grpcTls, reportInterval);
    }

    public SchedulerConfig withGrpcTls(GrpcTls t) {
        return new SchedulerConfig(grpcPort, metricsPort, kubernetes, schedulerId, staleAfter, leaderElection, discovery,
                keda, webhook, t, reportInterval);
    }

    private static int port(String name, int p) {
        if (p < 0 || p > 65535) {
            throw new IllegalArgumentException(name + ": " + p + " (expected: 0..65535, 0 = any free port)");
        }
        return p;
    }

    private static String defaultId() {
        String pod = System.getenv("POD_NAME");
        if (pod != null && !pod.isBlank()) {
            return pod;
        }
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return "aim-scheduler-" + ProcessHandle.current().pid();
        }
    }

    /** Lease-based leader election (only the leader places and writes to the API server). */
    public record LeaderElection(
            Boolean enabled,
            String leaseName,
            String leaseNamespace,
            String leaseDuration,
            String renewDeadline,
            String retryPeriod) {

        public LeaderElection {
            enabled = enabled == null || enabled;
            leaseName = leaseName == null ? "aim-scheduler" : leaseName;
            if (leaseNamespace == null || leaseNamespace.isBlank()) {
                String ns = System.getenv("POD_NAMESPACE");
                leaseNamespace = ns == null || ns.isBlank() ? "default" : ns;
            }
            leaseDuration = leaseDuration == null ? "15s" : leaseDuration;
            renewDeadline = renewDeadline == null ? "10s" : renewDeadline;
            retryPeriod = retryPeriod == null ? "2s" : retryPeriod;
            Duration lease = Durations.parse("leaderElection.leaseDuration", leaseDuration);
            Duration renew = Durations.parse("leaderElection.renewDeadline", renewDeadline);
            Duration retry = Durations.parse("leaderElection.retryPeriod", retryPeriod);
            if (renew.compareTo(lease) >= 0 || retry.compareTo(renew) >= 0) {
                throw new IllegalArgumentException("leaderElection: lease " + leaseDuration + ", renew " + renewDeadline
                        + ", retry " + retryPeriod + " (expected: retryPeriod < renewDeadline < leaseDuration)");
            }
        }
    }

    /** Creating GpuPartitions from the nodes' AMD device-plugin resources and labeller labels. */
    public record Discovery(Boolean enabled, Integer defaultGpuMemoryGiB) {
        public Discovery {
            enabled = enabled == null || enabled;
            defaultGpuMemoryGiB = defaultGpuMemoryGiB == null ? 192 : defaultGpuMemoryGiB;
            if (defaultGpuMemoryGiB <= 0) {
                throw new IllegalArgumentException("discovery.defaultGpuMemoryGiB: " + defaultGpuMemoryGiB + " (expected: > 0)");
            }
        }
    }

    /**
     * Where KEDA reaches this scheduler and the Prometheus server of the fallback trigger, as
     * written into generated ScaledObjects. Empty = the environment variable, then the built-in
     * default.
     */
    /**
     * @param clusterTriggerAuthentication the name of a KEDA ClusterTriggerAuthentication that
     *     holds the client certificate (and CA) KEDA presents to the scheduler's gRPC port; set when
     *     that port requires mutual TLS, empty otherwise
     */
    public record Keda(String scalerAddress, String prometheusServerAddress, String clusterTriggerAuthentication) {
        public Keda(String scalerAddress, String prometheusServerAddress) {
            this(scalerAddress, prometheusServerAddress, null);
        }

        public Keda {
            scalerAddress = scalerAddress == null ? "" : scalerAddress.trim();
            prometheusServerAddress = prometheusServerAddress == null ? "" : prometheusServerAddress.trim();
            clusterTriggerAuthentication = clusterTriggerAuthentication == null ? "" : clusterTriggerAuthentication.trim();
            if (!clusterTriggerAuthentication.isEmpty()
                    && !clusterTriggerAuthentication.matches("[a-z0-9]([-a-z0-9.]*[a-z0-9])?")) {
                throw new IllegalArgumentException("keda.clusterTriggerAuthentication: '" + clusterTriggerAuthentication
                        + "' (expected: the name of a ClusterTriggerAuthentication)");
            }
            if (!scalerAddress.isEmpty() && !scalerAddress.matches("[^:/\\s]+:\\d{1,5}")) {
                throw new IllegalArgumentException("keda.scalerAddress: '" + scalerAddress + "' (expected: host:port)");
            }
            if (!prometheusServerAddress.isEmpty() && !prometheusServerAddress.matches("https?://\\S+")) {
                throw new IllegalArgumentException("keda.prometheusServerAddress: '" + prometheusServerAddress
                        + "' (expected: an http:// or https:// URL)");
            }
        }
    }

    /**
     * TLS on the gRPC port: the serving certificate chain and its private key (PEM; PKCS#8, PKCS#1
     * or SEC1), and optionally the CA of client certificates, which makes a client certificate
     * mandatory (mutual TLS). The files must exist; their content is checked when the server
     * starts.
     */
    public record GrpcTls(String certChain, String privateKey, String clientCa) {
        public GrpcTls {
            certChain = blankToNull(certChain);
            privateKey = blankToNull(privateKey);
            clientCa = blankToNull(clientCa);
            boolean empty = certChain == null && privateKey == null && clientCa == null;
            if (!empty) {
                if (certChain == null || privateKey == null) {
                    throw new IllegalArgumentException("grpcTls: " + (certChain == null ? "certChain" : "privateKey")
                            + " missing (expected: certChain and privateKey both set; clientCa optional)");
                }
                existing("grpcTls.certChain", certChain);
                existing("grpcTls.privateKey", privateKey);
                if (clientCa != null) {
                    existing("grpcTls.clientCa", clientCa);
                }
            }
        }

        /** True when clients must present a certificate signed by {@link #clientCa()}. */
        public boolean mutual() {
            return clientCa != null;
        }

        private static String blankToNull(String s) {
            return s == null || s.isBlank() ? null : s.trim();
        }

        private static void existing(String key, String file) {
            java.nio.file.Path p = java.nio.file.Path.of(file);
            if (!java.nio.file.Files.isRegularFile(p) || !java.nio.file.Files.isReadable(p)) {
                throw new IllegalArgumentException(key + ": " + file + " (expected: an existing, readable PEM file)");
            }
        }
    }
}
