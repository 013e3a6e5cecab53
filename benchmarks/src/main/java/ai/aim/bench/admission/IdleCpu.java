package ai.aim.bench.admission;

import ai.aim.proxy.admission.AdmissionConfig;
import ai.aim.proxy.admission.AdmissionController;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * Measures the CPU time the idle admission thread uses, for each idle strategy: starts a
 * controller, lets it settle, then reads the consumer thread's CPU time over a quiet interval.
 *
 * <p>Usage: {@code java -cp aim-bench.jar ai.aim.bench.admission.IdleCpu [seconds]} (default 10).
 */
public final class IdleCpu {
  private IdleCpu() {}

  public static void main(String[] args) throws Exception {
    long seconds = args.length > 0 ? Long.parseLong(args[0]) : 10;
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    for (AdmissionController.IdleStrategy idle : AdmissionController.IdleStrategy.values()) {
      try (AdmissionController c =
          AdmissionController.start(AdmissionConfig.defaultConfig(), System::nanoTime, idle)) {
        Thread.sleep(1_000);
        long id = consumerId();
        long cpu0 = mx.getThreadCpuTime(id);
        long wall0 = System.nanoTime();
        Thread.sleep(seconds * 1_000);
        long cpu = mx.getThreadCpuTime(id) - cpu0;
        long wall = System.nanoTime() - wall0;
        System.out.printf(
            "%-9s idle %.1f s: consumer CPU %.1f ms = %.3f %% of one core%n",
            idle, wall / 1e9, cpu / 1e6, 100.0 * cpu / wall);
      }
    }
  }

  private static long consumerId() {
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().equals("aim-admission") && t.isAlive()) {
        return t.getId();
      }
    }
    throw new IllegalStateException("no aim-admission thread");
  }
}
