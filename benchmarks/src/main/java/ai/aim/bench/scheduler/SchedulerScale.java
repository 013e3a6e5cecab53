package ai.aim.bench.scheduler;

import ai.aim.scheduler.SchedulerApp;
import ai.aim.scheduler.config.SchedulerConfig;
import com.sun.management.OperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The scheduler at fleet scale, two parts:
 *
 * <ol>
 *   <li>Placement: 10,000 models onto a synthetic fleet, best fit with HIGH spread (what the
 *       controller runs) against a first-fit scan (baseline); medians of several rounds.</li>
 *   <li>Ingestion: one scheduler in this process takes load reports from 2,000 simulated sidecars
 *       (a child process, {@link SidecarSwarm}) at 1 Hz; this process's CPU time over the
 *       measurement window (OperatingSystemMXBean) over wall time is the scheduler's cost.</li>
 * </ol>
 *
 * <p>{@code java -cp benchmarks/target/aim-bench.jar ai.aim.bench.scheduler.SchedulerScale [models] [sidecars] [seconds]}
 */
public final class SchedulerScale {
    private SchedulerScale() {
    }

    public static void main(String[] args) throws Exception {
        int models = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int sidecars = args.length > 1 ? Integer.parseInt(args[1]) : 2_000;
        int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 30;
        placement(models, PlacementScale.fleet(1000, 8, 2, 1));
        placement(models, PlacementScale.fleet(1000, 8, 8, 8));
        if (seconds > 0) {
            ingestion(sidecars, seconds);
        }
    }

    static void placement(int models, PlacementScale.Fleet fleet) {
        System.out.println("== placement: " + models + " models onto " + fleet.description());
        List<ai.aim.scheduler.placement.PlacementRequest> requests = PlacementScale.models(models, fleet.partitions(), 42);
        int rounds = 5;
        List<PlacementScale.Result> best = new ArrayList<>();
        List<PlacementScale.Result> first = new ArrayList<>();
        PlacementScale.placeAll(fleet, requests); // warm-up
        PlacementScale.firstFit(fleet, requests);
        for (int i = 0; i < rounds; i++) {
            best.add(PlacementScale.placeAll(fleet, requests));
            first.add(PlacementScale.firstFit(fleet, requests));
        }
        PlacementScale.Result b = median(best);
        PlacementScale.Result f = median(first);
        System.out.printf("best fit + spread: median total %.1f ms over %d rounds, placed %d/%d, decision p50 %.1f us, p99 %.1f us, max %.1f us%n",
                b.totalNanos() / 1e6, rounds, b.placed(), models, b.percentile(0.5) / 1e3, b.percentile(0.99) / 1e3, b.percentile(1.0) / 1e3);
        System.out.printf("first fit (baseline): median total %.1f ms, placed %d/%d, decision p50 %.1f us, p99 %.1f us%n",
                f.totalNanos() / 1e6, f.placed(), models, f.percentile(0.5) / 1e3, f.percentile(0.99) / 1e3);
        System.out.printf("ratio best-fit/first-fit total time: %.2f%n", (double) b.totalNanos() / f.totalNanos());
    }

    private static PlacementScale.Result median(List<PlacementScale.Result> rs) {
        List<PlacementScale.Result> sorted = new ArrayList<>(rs);
        sorted.sort(java.util.Comparator.comparingLong(PlacementScale.Result::totalNanos));
        return sorted.get(sorted.size() / 2);
    }

    static void ingestion(int sidecars, int seconds) throws Exception {
        System.out.println("== ingestion: " + sidecars + " sidecars at 1 Hz for " + seconds + " s (measured after 10 s warm-up)");
        SchedulerConfig c = SchedulerConfig.defaults().withGrpcPort(0).withMetricsPort(0).withKubernetes("none")
                .withSchedulerId("bench").withStaleAfter("10s");
        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        // Idle baseline: the same scheduler with no sidecars, same window length.
        try (SchedulerApp app = SchedulerApp.start(c, Optional.empty(), List.of())) {
            System.gc();
            long cpu0 = os.getProcessCpuTime();
            long wall0 = System.nanoTime();
            Thread.sleep(TimeUnit.SECONDS.toMillis(Math.min(seconds, 10)));
            System.out.printf("idle scheduler (baseline): %.2f%% of one core%n",
                    100.0 * (os.getProcessCpuTime() - cpu0) / (System.nanoTime() - wall0));
        }
        try (SchedulerApp app = SchedulerApp.start(c, Optional.empty(), List.of())) {
            String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process swarm = new ProcessBuilder(javaBin, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                    SidecarSwarm.class.getName(), "127.0.0.1:" + app.grpcPort(), String.valueOf(sidecars), String.valueOf(seconds + 15))
                    .inheritIO().start();
            try {
                Thread.sleep(10_000);
                var counter = app.registry().find("aim_scheduler_reports_received").counter();
                double reports0 = counter == null ? 0 : counter.count();
                long cpu0 = os.getProcessCpuTime();
                long wall0 = System.nanoTime();
                long[] decisionNanos = new long[seconds];
                for (int s = 0; s < seconds; s++) {
                    Thread.sleep(1000);
                    long t0 = System.nanoTime();
                    app.reports().model("bench", "model-" + s);
                    decisionNanos[s] = System.nanoTime() - t0;
                }
                long cpu = os.getProcessCpuTime() - cpu0;
                long wall = System.nanoTime() - wall0;
                double reports = (counter == null ? 0 : counter.count()) - reports0;
                System.gc();
                var heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
                java.util.Arrays.sort(decisionNanos);
                System.out.printf("live pods in the aggregate: %d, models: %d%n", app.reports().pods().size(), app.reports().models().size());
                System.out.printf("reports ingested: %.0f (%.0f/s)%n", reports, reports / (wall / 1e9));
                System.out.printf("scheduler CPU: %.2f%% of one core (%.1f us CPU per report)%n",
                        100.0 * cpu / wall, reports == 0 ? 0 : cpu / 1e3 / reports);
                System.out.printf("heap used after GC: %.1f MiB%n", heap.getUsed() / 1048576.0);
                System.out.printf("aggregate read (model view) median %.1f us, max %.1f us%n",
                        decisionNanos[seconds / 2] / 1e3, decisionNanos[seconds - 1] / 1e3);
            } finally {
                swarm.destroy();
                swarm.waitFor(10, TimeUnit.SECONDS);
                swarm.destroyForcibly();
            }
        }
    }
}
