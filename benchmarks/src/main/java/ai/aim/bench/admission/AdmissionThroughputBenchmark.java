package ai.aim.bench.admission;

import ai.aim.proxy.admission.AdmissionConfig;
import ai.aim.proxy.admission.AdmissionController;
import ai.aim.proxy.admission.LimitPolicy;
import ai.aim.proxy.admission.ModelPolicy;
import ai.aim.proxy.admission.Priority;
import ai.aim.proxy.metrics.Outcome;
import com.netflix.concurrency.limits.Limiter;
import com.netflix.concurrency.limits.limit.FixedLimit;
import com.netflix.concurrency.limits.limiter.AbstractPartitionedLimiter;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * Admission decisions per second: one operation is one arrival decided plus the completion that
 * returns its permit, with priorities and tenants rotating. Three implementations:
 *
 * <ul>
 *   <li>{@code ring*}: the {@link AdmissionController} (Disruptor ring, one consumer thread);
 *       producers only publish. Its {@code decided} counter is the arrivals that got a ticket,
 *       {@code saturated} the ones refused at once because the ring was full.
 *   <li>{@code locked*}: the baseline, a semaphore plus a priority blocking queue, deciding on the
 *       caller's thread. It does less per decision than the ring (no model look-up, no per-class
 *       state, no ticket table).
 *   <li>{@code lockedCore*}: the second baseline, the same work per decision as the ring: the
 *       admission core itself ({@link AdmissionController#inline}) on the caller's thread under
 *       one monitor, so the figures compare the hand-off, not the decision logic.
 *   <li>{@code netflix*}: concurrency-limits' partitioned limiter (0.4.1: the partitioned
 *       {@code AbstractPartitionedLimiter} its builder makes, the semaphore logic of {@code
 *       SimpleLimiter} split per partition) with HIGH 50 %, MEDIUM 30 %, LOW 20 % of a fixed
 *       limit.
 * </ul>
 *
 * The limit is large enough that every arrival is dispatched, so all three take their fast path
 * and the figures compare the cost of deciding and handing permits back under 1 and 2 producers.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Benchmark)
public class AdmissionThroughputBenchmark {
  private static final int LIMIT = 1 << 20;
  private static final Priority[] PRIORITIES = Priority.values();
  private static final String[] TENANTS = {"a", "b", "c", "d"};

  @Param({"BLOCKING"})
  public AdmissionController.IdleStrategy idle;

  private AdmissionController ring;
  private AdmissionController lockedCore;
  private final Object coreLock = new Object();
  private LockedAdmission locked;
  private Limiter<Priority> netflix;
  private final Noop consumerSide = new Noop();

  @Setup(Level.Trial)
  public void setUp() {
    ModelPolicy p = ModelPolicy.defaults().withLimit(LimitPolicy.fixed(LIMIT));
    AdmissionConfig config = AdmissionConfig.of(p, Map.of());
    ring = AdmissionController.start(config, System::nanoTime, idle);
    lockedCore = AdmissionController.inline(config, System::nanoTime);
    locked = new LockedAdmission(LIMIT);
    netflix =
        new PartitionedBuilder()
            .limit(FixedLimit.of(LIMIT))
            .partitionResolver(Priority::label)
            .partition("high", 0.5)
            .partition("medium", 0.3)
            .partition("low", 0.2)
            .build();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    ring.close();
  }

  /** concurrency-limits 0.4.1 builds its partitioned limiter from this abstract builder. */
  static final class PartitionedBuilder
      extends AbstractPartitionedLimiter.Builder<PartitionedBuilder, Priority> {
    @Override
    protected PartitionedBuilder self() {
      return this;
    }
  }

  /** Per-producer state and the counters JMH reports next to the throughput. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  public static class Producer {
    public long decided;
    public long saturated;
    int i;
    final Noop callback = new Noop();

    @Setup(Level.Iteration)
    public void reset() {
      decided = 0;
      saturated = 0;
    }
  }

  private long ringOp(Producer p) {
    int i = p.i++;
    long t =
        ring.submit(
            "m", PRIORITIES[i % 3], AdmissionController.NO_DEADLINE, TENANTS[i & 3], 100,
            consumerSide);
    if (t >= 0) {
      ring.complete(t, Outcome.OK, 1_000_000);
      p.decided++;
    } else {
      p.saturated++;
    }
    return t;
  }

  private long lockedOp(Producer p) {
    int i = p.i++;
    long t = locked.submit(PRIORITIES[i % 3], p.callback);
    locked.complete();
    p.decided++;
    return t;
  }

  private long lockedCoreOp(Producer p) {
    int i = p.i++;
    long t;
    // The ring's decision logic (classify, per-model and per-class state, WFQ bookkeeping, ticket
    // table) run on the caller's thread under one monitor: the same work per decision as the
    // ring's consumer, with a lock instead of the hand-off.
    synchronized (coreLock) {
      t =
          lockedCore.submit(
              "m", PRIORITIES[i % 3], AdmissionController.NO_DEADLINE, TENANTS[i & 3], 100,
              p.callback);
      lockedCore.complete(t, Outcome.OK, 1_000_000);
    }
    p.decided++;
    return t;
  }

  private boolean netflixOp(Producer p) {
    int i = p.i++;
    Optional<Limiter.Listener> l = netflix.acquire(PRIORITIES[i % 3]);
    if (l.isPresent()) {
      l.get().onSuccess();
      p.decided++;
      return true;
    }
    p.saturated++;
    return false;
  }

  @Benchmark
  @Threads(1)
  public long ring1(Producer p) {
    return ringOp(p);
  }

  @Benchmark
  @Threads(2)
  public long ring2(Producer p) {
    return ringOp(p);
  }

  @Benchmark
  @Threads(1)
  public long locked1(Producer p) {
    return lockedOp(p);
  }

  @Benchmark
  @Threads(2)
  public long locked2(Producer p) {
    return lockedOp(p);
  }

  @Benchmark
  @Threads(1)
  public long lockedCore1(Producer p) {
    return lockedCoreOp(p);
  }

  @Benchmark
  @Threads(2)
  public long lockedCore2(Producer p) {
    return lockedCoreOp(p);
  }

  @Benchmark
  @Threads(1)
  public boolean netflix1(Producer p) {
    return netflixOp(p);
  }

  @Benchmark
  @Threads(2)
  public boolean netflix2(Producer p) {
    return netflixOp(p);
  }
}
