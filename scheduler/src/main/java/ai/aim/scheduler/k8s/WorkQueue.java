package ai.aim.scheduler.k8s;

import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The controller's work queue: keys (e.g. {@code isvc:ns/name}) are processed one at a time on a
 * single worker thread, which therefore owns all reconcile state. A key enqueued while already
 * pending is processed once. A handler returning false is retried after a bounded exponential
 * backoff; success resets the key's attempts.
 *
 * <p>Thread-safety: {@link #add} and {@link #addAfter} may be called from any thread (informer
 * callbacks, election callbacks); the handler runs only on the worker thread.
 */
final class WorkQueue implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WorkQueue.class);

    private final ScheduledThreadPoolExecutor worker;
    private final Predicate<String> handler;
    private final long baseNanos;
    private final long maxNanos;
    private final Set<String> pending = new LinkedHashSet<>(); // guarded by this
    private final Map<String, Integer> attempts = new HashMap<>(); // worker thread only

    WorkQueue(String name, Predicate<String> handler, Duration retryBase, Duration retryMax) {
        this.handler = handler;
        this.baseNanos = retryBase.toNanos();
        this.maxNanos = retryMax.toNanos();
        this.worker = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
        this.worker.setRemoveOnCancelPolicy(true);
    }

    void add(String key) {
        synchronized (this) {
            if (!pending.add(key)) {
                return;
            }
        }
        try {
            worker.execute(() -> process(key));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closed
        }
    }

    void addAfter(String key, Duration delay) {
        try {
            worker.schedule(() -> add(key), delay.toNanos(), TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closed
        }
    }

    /** Runs a task on the worker thread, in order with reconciles. */
    void run(Runnable task) {
        try {
            worker.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    log.warn("controller task failed", e);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closed
        }
    }

    private void process(String key) {
        synchronized (this) {
            pending.remove(key);
        }
        boolean ok;
        try {
            ok = handler.test(key);
        } catch (RuntimeException e) {
            log.warn("reconciling {} failed", key, e);
            ok = false;
        }
        if (ok) {
            attempts.remove(key);
            return;
        }
        int n = attempts.merge(key, 1, Integer::sum);
        long delay = baseNanos << Math.min(n - 1, 20);
        if (delay <= 0 || delay > maxNanos) {
            delay = maxNanos;
        }
        addAfter(key, Duration.ofNanos(delay));
    }

    @Override
    public void close() {
        worker.shutdownNow();
        try {
            worker.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
