package ai.aim.bench.admission;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * CPU time of the admission thread ({@code aim-admission}) per decision it made, over one JMH
 * iteration. Used by one benchmark thread at a time (JMH's iteration set-up and tear-down).
 */
final class ConsumerCpu {
  private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();
  private final long threadId;
  private long cpu0;
  private long wall0;
  private long decisions0;

  private ConsumerCpu(long threadId) {
    this.threadId = threadId;
  }

  /** The one running admission thread of this JVM. */
  static ConsumerCpu find() {
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().equals("aim-admission") && t.isAlive()) {
        return new ConsumerCpu(t.getId());
      }
    }
    throw new IllegalStateException("no aim-admission thread");
  }

  void start(long decisions) {
    decisions0 = decisions;
    wall0 = System.nanoTime();
    cpu0 = MX.getThreadCpuTime(threadId);
  }

  void report(long decisions) {
    long cpu = MX.getThreadCpuTime(threadId) - cpu0;
    long wall = System.nanoTime() - wall0;
    long n = decisions - decisions0;
    System.out.printf(
        "%n  consumer: %d decisions, %.1f ns CPU per decision, %.0f %% of one core%n",
        n, n == 0 ? 0.0 : (double) cpu / n, 100.0 * cpu / wall);
  }
}
