package ai.aim.bench.admission;

import ai.aim.proxy.admission.AdmissionConfig;
import ai.aim.proxy.admission.AdmissionController;
import ai.aim.proxy.admission.EnginePolicy;
import ai.aim.proxy.admission.LimitPolicy;
import ai.aim.proxy.admission.ModelPolicy;
import ai.aim.proxy.admission.Priority;
import ai.aim.proxy.admission.PriorityPolicy;
import ai.aim.proxy.admission.SchedulingMode;
import ai.aim.proxy.admission.TenantPolicy;
import ai.aim.proxy.metrics.Outcome;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * Admission decisions per second when the limit is always reached, the regime admission exists
 * for: a limit of {@value #LIMIT}, and each producer keeps {@value #WINDOW} of its requests
 * outstanding. One operation is one arrival, which queues behind the full limit, plus the
 * completion of the producer's oldest outstanding request, which frees a permit that goes to the
 * head of the queue. So every operation enqueues one request and dispatches one from the queue,
 * about {@value #WINDOW} minus {@value #LIMIT} requests deep per producer.
 *
 * <p>One class (MEDIUM, no tenant), so queue order is arrival order and the oldest outstanding
 * request is the one in flight longest (with two producers, nearly always). Queue bounds and waits
 * are off, so nothing is refused. Implementations as in {@link AdmissionThroughputBenchmark}:
 * the ring ({@code ring*}: producers publish, the admission thread decides), the same core under
 * one monitor on the callers' threads ({@code lockedCore*}) and the semaphore plus priority
 * blocking queue baseline ({@code locked*}: here every arrival allocates a waiter and every
 * completion polls the heap). concurrency-limits has no queue, so it has no place here.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Benchmark)
public class SaturatedAdmissionBenchmark {
  static final int LIMIT = 64;
  static final int WINDOW = 1024;

  private AdmissionController ring;
  private AdmissionController lockedCore;
  private final Object coreLock = new Object();
  private LockedAdmission locked;
  private final Noop consumerSide = new Noop();
  private ConsumerCpu consumer;

  @Setup(Level.Trial)
  public void setUp() {
    PriorityPolicy unbounded = new PriorityPolicy(1 << 22, 0, 1.0, 10);
    ModelPolicy p =
        new ModelPolicy(
            Priority.MEDIUM,
            LimitPolicy.fixed(LIMIT),
            SchedulingMode.STRICT,
            2_000,
            0.0,
            List.of(unbounded, unbounded, unbounded),
            0,
            0.2,
            TenantPolicy.defaults(),
            EnginePolicy.defaults(),
            false,
            0,
            0);
    AdmissionConfig config = AdmissionConfig.of(p, Map.of());
    ring = AdmissionController.start(config, System::nanoTime);
    consumer = ConsumerCpu.find();
    lockedCore = AdmissionController.inline(config, System::nanoTime);
    locked = new LockedAdmission(LIMIT);
  }

  @Setup(Level.Iteration)
  public void startIteration() {
    consumer.start(consumerSide.admitted);
  }

  /** The admission thread's CPU per decision and share of a core in this iteration. */
  @TearDown(Level.Iteration)
  public void endIteration() {
    consumer.report(consumerSide.admitted);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    ring.close();
  }

  /** A producer's outstanding requests (oldest at {@code next}) and its counters. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  public static class Producer {
    public long decided;
    public long saturated;
    final long[] outstanding = new long[WINDOW];
    int next;
    final Noop callback = new Noop();

    @Setup(Level.Trial)
    public void clear() {
      Arrays.fill(outstanding, -1);
    }

    @Setup(Level.Iteration)
    public void reset() {
      decided = 0;
      saturated = 0;
    }

    /** Records {@code ticket} as outstanding and returns the oldest one it replaces (-1: none). */
    long swapOldest(long ticket) {
      long old = outstanding[next];
      outstanding[next] = ticket;
      next = (next + 1) & (WINDOW - 1);
      return old;
    }
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
  public long locked1(Producer p) {
    return lockedOp(p);
  }

  @Benchmark
  @Threads(2)
  public long locked2(Producer p) {
    return lockedOp(p);
  }

  private long ringOp(Producer p) {
    long t =
        ring.submit("m", Priority.MEDIUM, AdmissionController.NO_DEADLINE, null, 100,
            consumerSide);
    if (t >= 0) {
      p.decided++;
    } else {
      p.saturated++;
    }
    long old = p.swapOldest(t);
    if (old >= 0) {
      ring.complete(old, Outcome.OK, 1_000_000);
    }
    return t;
  }

  private long lockedCoreOp(Producer p) {
    long t;
    synchronized (coreLock) {
      t =
          lockedCore.submit("m", Priority.MEDIUM, AdmissionController.NO_DEADLINE, null, 100,
              p.callback);
      long old = p.swapOldest(t);
      if (old >= 0) {
        lockedCore.complete(old, Outcome.OK, 1_000_000);
      }
    }
    p.decided++;
    return t;
  }

  private long lockedOp(Producer p) {
    long t = locked.submit(Priority.MEDIUM, p.callback);
    // The baseline's completion does not name a ticket: it returns one permit, which goes to the
    // head of the queue. Completing once the window is full keeps the same depth as the others.
    if (p.swapOldest(t) >= 0) {
      locked.complete();
    }
    p.decided++;
    return t;
  }
}
