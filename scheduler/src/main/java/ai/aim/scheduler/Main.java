package ai.aim.scheduler;

import ai.aim.scheduler.config.Durations;
import ai.aim.scheduler.config.SchedulerConfig;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code java -jar aim-scheduler.jar}: parses flags over the YAML config, connects to Kubernetes
 * when asked, starts a {@link SchedulerApp} and runs until SIGTERM.
 *
 * <p>To add a gRPC service or a background controller, implement {@link SchedulerExtension} and
 * list it in {@link #extensions()}.
 */
@Command(name = "aim-scheduler", mixinStandardHelpOptions = true, version = "aim-scheduler 0.1.0",
        description = "The AIM cluster scheduler: sidecar load reports, GPU partition placement, scaling.")
public final class Main implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(Main.class);

    @Option(names = "--config", paramLabel = "FILE", description = "YAML settings file; flags override it.")
    Path config;

    @Option(names = "--grpc-port", paramLabel = "PORT", description = "gRPC port for sidecars and KEDA (default 9500).")
    Integer grpcPort;

    @Option(names = "--metrics-port", paramLabel = "PORT", description = "Port serving /metrics and /healthz (default 9501).")
    Integer metricsPort;

    @Option(names = "--kubernetes", paramLabel = "auto|none",
            description = "auto: use the in-cluster or kubeconfig API server; none: no API server (reports and gRPC only).")
    String kubernetes;

    @Option(names = "--scheduler-id", paramLabel = "ID", description = "This replica's identity (default $POD_NAME or host name).")
    String schedulerId;

    @Option(names = "--stale-after", paramLabel = "DURATION", description = "Drop a sidecar silent this long (default 10s).")
    String staleAfter;

    @Option(names = "--report-interval", paramLabel = "DURATION",
            description = "Report interval asked of every sidecar (default: each keeps its own, 1s).")
    String reportInterval;

    @Option(names = "--leader-election", paramLabel = "true|false", arity = "1", description = "Elect a leader on a Lease (default true).")
    Boolean leaderElection;

    @Option(names = "--lease-namespace", paramLabel = "NS", description = "Namespace of the leader Lease (default $POD_NAMESPACE).")
    String leaseNamespace;

    /** The parts beyond the core; add new services and controllers here. */
    static List<SchedulerExtension> extensions() {
        return List.of(new ai.aim.scheduler.keda.KedaExtension(), new ai.aim.scheduler.webhook.WebhookExtension());
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        SchedulerConfig c = effectiveConfig();
        Optional<KubernetesClient> kube = connect(c.kubernetes());
        SchedulerApp app = SchedulerApp.start(c, kube, extensions());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            app.close();
            kube.ifPresent(KubernetesClient::close);
            stopped.countDown();
        }, "aim-scheduler-shutdown"));
        stopped.await();
        return 0;
    }

    @Option(names = "--grpc-tls-cert", paramLabel = "FILE", description = "PEM certificate chain: TLS on the gRPC port.")
    String grpcTlsCert;

    @Option(names = "--grpc-tls-key", paramLabel = "FILE", description = "PEM private key of --grpc-tls-cert.")
    String grpcTlsKey;

    @Option(names = "--grpc-tls-client-ca", paramLabel = "FILE",
            description = "PEM CA of client certificates: require one on the gRPC port (mutual TLS).")
    String grpcTlsClientCa;

    SchedulerConfig effectiveConfig() throws java.io.IOException {
        SchedulerConfig c = config == null ? SchedulerConfig.defaults() : SchedulerConfig.load(config);
        if (grpcPort != null) {
            c = c.withGrpcPort(grpcPort);
        }
        if (metricsPort != null) {
            c = c.withMetricsPort(metricsPort);
        }
        if (kubernetes != null) {
            c = c.withKubernetes(kubernetes);
        }
        if (schedulerId != null) {
            c = c.withSchedulerId(schedulerId);
        }
        if (staleAfter != null) {
            Durations.parse("--stale-after", staleAfter);
            c = c.withStaleAfter(staleAfter);
        }
        if (reportInterval != null) {
            Durations.parse("--report-interval", reportInterval);
            c = c.withReportInterval(reportInterval);
        }
        if (leaderElection != null || leaseNamespace != null) {
            var l = c.leaderElection();
            c = c.withLeaderElection(new SchedulerConfig.LeaderElection(
                    leaderElection != null ? leaderElection : l.enabled(), l.leaseName(),
                    leaseNamespace != null ? leaseNamespace : l.leaseNamespace(),
                    l.leaseDuration(), l.renewDeadline(), l.retryPeriod()));
        }
        if (grpcTlsCert != null || grpcTlsKey != null || grpcTlsClientCa != null) {
            SchedulerConfig.GrpcTls t = c.grpcTls();
            c = c.withGrpcTls(new SchedulerConfig.GrpcTls(
                    grpcTlsCert != null ? grpcTlsCert : t == null ? null : t.certChain(),
                    grpcTlsKey != null ? grpcTlsKey : t == null ? null : t.privateKey(),
                    grpcTlsClientCa != null ? grpcTlsClientCa : t == null ? null : t.clientCa()));
        }
        return c;
    }

    /**
     * {@code auto}: in a pod (service account token present) or with a kubeconfig, connect;
     * otherwise run without Kubernetes and say so.
     */
    static Optional<KubernetesClient> connect(String mode) {
        if ("none".equals(mode)) {
            return Optional.empty();
        }
        boolean inCluster = System.getenv("KUBERNETES_SERVICE_HOST") != null;
        String kubeconfig = System.getenv("KUBECONFIG");
        Path defaultKubeconfig = Path.of(System.getProperty("user.home"), ".kube", "config");
        boolean haveConfig = (kubeconfig != null && !kubeconfig.isBlank()) || Files.exists(defaultKubeconfig);
        if (!inCluster && !haveConfig) {
            log.warn("--kubernetes auto: no in-cluster service account and no kubeconfig; running without Kubernetes");
            return Optional.empty();
        }
        return Optional.of(new KubernetesClientBuilder().withConfig(Config.autoConfigure(null)).build());
    }
}
