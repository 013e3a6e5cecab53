package ai.aim.bench.scheduler;

import ai.aim.scheduler.SchedulerApp;
import ai.aim.scheduler.client.SchedulerLink;
import ai.aim.scheduler.client.SidecarIdentity;
import ai.aim.scheduler.client.v1.LoadReport;
import ai.aim.scheduler.client.v1.ModelLoad;
import ai.aim.scheduler.client.v1.Priority;
import ai.aim.scheduler.client.v1.PriorityLoad;
import ai.aim.scheduler.config.SchedulerConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The scheduler restarted under many reporting sidecars: {@code links} real {@link SchedulerLink}s
 * (the sidecar's own client, production backoff 200 ms doubling to 30 s with jitter, one report a
 * second) in this process report to a scheduler that is closed and started again on the same port,
 * {@code rounds} times.
 *
 * <p>Measured per round: how long until every link noticed the loss, and how long from the new
 * scheduler's start until every pod has a fresh report in its aggregate. Baseline, same run: the
 * cold start (all links started at once against a running scheduler, until every pod reported).
 * Errors: report supplier failures, links that did not come back within the time limit.
 *
 * <p>{@code java -Xmx1g -cp benchmarks/target/aim-bench.jar ai.aim.bench.scheduler.SchedulerRestart [links] [rounds]}
 */
public final class SchedulerRestart {
    private static final long LIMIT_NANOS = 180_000_000_000L;

    private SchedulerRestart() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 2_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        SchedulerApp app = start(0, "round-0");
        int port = app.grpcPort();
        List<SchedulerLink> links = new ArrayList<>();
        AtomicLong disconnects = new AtomicLong();
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            int k = i;
            links.add(SchedulerLink.builder("127.0.0.1:" + port,
                            new SidecarIdentity("pod-" + i, "bench", List.of("model-" + (i % 400)), "node-" + (i % 250), "bench"))
                    .reports(() -> report(k))
                    .listener(new ai.aim.scheduler.client.DirectiveListener() {
                        @Override
                        public void onConnectionChange(boolean connected) {
                            if (!connected) {
                                disconnects.incrementAndGet();
                            }
                        }
                    })
                    .build()
                    .start());
        }
        boolean ok = awaitReporting(app, n, t0);
        long coldNanos = System.nanoTime() - t0;
        System.out.printf("cold start (baseline): %d links reporting after %.2f s%s%n", n, coldNanos / 1e9, ok ? "" : " (INCOMPLETE)");
        double[] lossSeconds = new double[rounds];
        double[] recoverySeconds = new double[rounds];
        for (int r = 1; r <= rounds; r++) {
            long sentBefore = links.stream().mapToLong(SchedulerLink::reportsSent).sum();
            long closeAt = System.nanoTime();
            app.close();
            while (links.stream().anyMatch(SchedulerLink::connected) && System.nanoTime() - closeAt < LIMIT_NANOS) {
                Thread.sleep(20);
            }
            lossSeconds[r - 1] = (System.nanoTime() - closeAt) / 1e9;
            long startAt = System.nanoTime();
            app = start(port, "round-" + r);
            ok = awaitReporting(app, n, startAt);
            recoverySeconds[r - 1] = (System.nanoTime() - startAt) / 1e9;
            long sentAfter = links.stream().mapToLong(SchedulerLink::reportsSent).sum();
            long notBack = links.stream().filter(l -> !l.connected()).count();
            System.out.printf("round %d: all %d links saw the loss after %.2f s; all pods reporting to the new scheduler"
                            + " %.2f s after its start%s; links not connected: %d; reports sent meanwhile: %d%n",
                    r, n, lossSeconds[r - 1], recoverySeconds[r - 1], ok ? "" : " (INCOMPLETE)", notBack, sentAfter - sentBefore);
        }
        long supplierFailures = links.stream().mapToLong(SchedulerLink::reportSupplierFailures).sum();
        long reconnects = links.stream().mapToLong(SchedulerLink::reconnects).sum();
        double median = median(recoverySeconds);
        System.out.printf("median recovery %.2f s over %d rounds; cold start %.2f s; ratio recovery/cold %.2f%n",
                median, rounds, coldNanos / 1e9, median / (coldNanos / 1e9));
        System.out.printf("errors: report supplier failures %d; disconnect notices %d (expected %d); reconnects %d%n",
                supplierFailures, disconnects.get(), (long) n * rounds, reconnects);
        links.forEach(SchedulerLink::close);
        app.close();
    }

    private static SchedulerApp start(int port, String id) throws Exception {
        SchedulerConfig c = SchedulerConfig.defaults().withGrpcPort(port).withMetricsPort(0).withKubernetes("none")
                .withSchedulerId(id).withStaleAfter("60s");
        return SchedulerApp.start(c, Optional.empty(), List.of());
    }

    private static boolean awaitReporting(SchedulerApp app, int n, long since) throws InterruptedException {
        while (System.nanoTime() - since < LIMIT_NANOS) {
            long reporting = app.reports().pods().stream().filter(p -> p.connected() && p.lastReport() != null).count();
            if (reporting == n) {
                return true;
            }
            Thread.sleep(20);
        }
        return false;
    }

    private static LoadReport report(int i) {
        return LoadReport.newBuilder().setTimestampUnixMillis(System.currentTimeMillis())
                .addModels(ModelLoad.newBuilder().setModel("model-" + (i % 400))
                        .addPriorities(PriorityLoad.newBuilder().setPriority(Priority.PRIORITY_HIGH).setQueued(i % 3))
                        .addPriorities(PriorityLoad.newBuilder().setPriority(Priority.PRIORITY_MEDIUM).setQueued(i % 7))
                        .addPriorities(PriorityLoad.newBuilder().setPriority(Priority.PRIORITY_LOW).setQueued(i % 11)))
                .build();
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
