package ai.aim.bench.admission;

import ai.aim.proxy.admission.AdmissionConfig;
import ai.aim.proxy.admission.AdmissionController;
import ai.aim.proxy.admission.LimitPolicy;
import ai.aim.proxy.admission.ModelPolicy;
import ai.aim.proxy.admission.Priority;
import ai.aim.proxy.metrics.Outcome;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The decision logic alone, without the ring: an inline controller (the caller plays the
 * admission thread) under contention. The limit is 8 and 16 tickets are outstanding, so every
 * arrival queues behind others and every completion dispatches a queued request chosen by
 * strict priority and, inside a class, by weighted fair queuing over 4 tenants. One operation is
 * one arrival decided plus one completion (which dispatches one queued request).
 *
 * <p>The lock baseline runs the same pattern: the queue is a priority blocking queue and
 * completions hand the permit to its head.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Thread)
public class CoreDecisionBenchmark {
  private static final Priority[] PRIORITIES = Priority.values();
  private static final String[] TENANTS = {"a", "b", "c", "d"};
  private static final int WINDOW = 16;

  private AdmissionController inline;
  private LockedAdmission locked;
  private final long[] outstanding = new long[WINDOW];
  private long clock;
  private int i;
  private final Noop callback = new Noop();

  @Setup(Level.Trial)
  public void setUp() {
    ModelPolicy p = ModelPolicy.defaults().withLimit(LimitPolicy.fixed(8));
    inline = AdmissionController.inline(AdmissionConfig.of(p, Map.of()), () -> clock);
    locked = new LockedAdmission(8);
    for (int k = 0; k < WINDOW; k++) {
      outstanding[k] = inline.submit("m", PRIORITIES[k % 3], AdmissionController.NO_DEADLINE,
          TENANTS[k & 3], 100, callback);
      locked.submit(PRIORITIES[k % 3], callback);
    }
  }

  @Benchmark
  public long ringCoreInline() {
    int k = i++;
    clock += 1_000;
    int slot = k % WINDOW;
    inline.complete(outstanding[slot], Outcome.OK, 1_000_000);
    long t = inline.submit("m", PRIORITIES[k % 3], AdmissionController.NO_DEADLINE,
        TENANTS[(k >> 2) & 3], 50 + (k & 127), callback);
    outstanding[slot] = t;
    return t;
  }

  @Benchmark
  public long lockedQueued() {
    int k = i++;
    locked.complete();
    return locked.submit(PRIORITIES[k % 3], callback);
  }
}
