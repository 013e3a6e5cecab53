package ai.aim.scheduler.k8s;

import ai.aim.scheduler.Leadership;
import ai.aim.scheduler.config.Durations;
import ai.aim.scheduler.config.SchedulerConfig;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leader election on a {@code coordination.k8s.io/v1} Lease with Fabric8's {@code LeaderElector}:
 * at most one replica holds the lease and acts; the others keep their caches warm and take over
 * when the lease expires or is released. After losing the lease the replica stands for election
 * again. The lease is released on close so a successor need not wait for it to expire.
 *
 * <p>Threading: the elector runs on Fabric8's executor; listeners are called on it.
 */
public final class LeaseLeadership implements Leadership, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LeaseLeadership.class);

    private final KubernetesClient client;
    private final SchedulerConfig.LeaderElection config;
    private final String identity;
    private final List<Consumer<Boolean>> listeners = new CopyOnWriteArrayList<>();
    private volatile boolean leader;
    private volatile boolean closed;
    private volatile CompletableFuture<?> running;

    public LeaseLeadership(KubernetesClient client, SchedulerConfig.LeaderElection config, String identity) {
        this.client = client;
        this.config = config;
        this.identity = identity;
    }

    public LeaseLeadership start() {
        stand();
        return this;
    }

    private synchronized void stand() {
        if (closed) {
            return;
        }
        var elector = client.leaderElector().withConfig(new LeaderElectionConfigBuilder()
                .withName(config.leaseName())
                .withLock(new LeaseLock(config.leaseNamespace(), config.leaseName(), identity))
                .withLeaseDuration(Durations.parse("leaseDuration", config.leaseDuration()))
                .withRenewDeadline(Durations.parse("renewDeadline", config.renewDeadline()))
                .withRetryPeriod(Durations.parse("retryPeriod", config.retryPeriod()))
                .withReleaseOnCancel(true)
                .withLeaderCallbacks(new LeaderCallbacks(() -> set(true), () -> set(false),
                        newLeader -> log.info("lease {}/{} held by {}", config.leaseNamespace(), config.leaseName(), newLeader)))
                .build()).build();
        CompletableFuture<?> f = elector.start();
        running = f;
        f.whenComplete((r, e) -> {
            if (!closed) {
                log.info("{} left the election for {}; standing again", identity, config.leaseName());
                stand();
            }
        });
    }

    private void set(boolean now) {
        leader = now;
        log.info("{} {} leadership of {}/{}", identity, now ? "gained" : "lost", config.leaseNamespace(), config.leaseName());
        for (Consumer<Boolean> l : listeners) {
            try {
                l.accept(now);
            } catch (RuntimeException e) {
                log.warn("leadership listener failed", e);
            }
        }
    }

    @Override
    public boolean isLeader() {
        return leader;
    }

    @Override
    public void addListener(Consumer<Boolean> listener) {
        listeners.add(listener);
        if (leader) {
            listener.accept(true);
        }
    }

    @Override
    public void close() {
        closed = true;
        CompletableFuture<?> f = running;
        if (f != null) {
            f.cancel(true);
        }
        if (leader) {
            set(false);
        }
    }
}
