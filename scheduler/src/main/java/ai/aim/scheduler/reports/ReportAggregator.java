package ai.aim.scheduler.reports;

import ai.aim.scheduler.client.v1.LoadReport;
import ai.aim.scheduler.client.v1.PriorityLoad;
import ai.aim.scheduler.client.v1.SloState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The scheduler's picture of the data plane: the latest report of every sidecar, indexed by model.
 *
 * <p>Threading: written by the gRPC stream threads (one pod's messages arrive in order on its
 * stream) and read by anyone (KEDA scaler, forecasting, controllers). Each pod's state is an
 * immutable {@link PodLoad} swapped atomically in a concurrent map, so reads never block writes;
 * a read sees each pod's latest complete report. Model views are computed on demand from the live
 * pods of that model (cheap: a model has a handful of pods).
 *
 * <p>Staleness: a pod whose last report (or hello) is older than {@code staleAfter} is left out of
 * every view at once and removed by {@link #expire()}, which the owner calls periodically.
 */
public final class ReportAggregator {
    private final Duration staleAfter;
    private final long staleAfterNanos;
    private final LongSupplier nanoClock;
    private final ConcurrentHashMap<PodKey, PodLoad> pods = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<ModelKey, Set<PodKey>> podsByModel = new ConcurrentHashMap<>();

    public ReportAggregator(Duration staleAfter, LongSupplier nanoClock) {
        if (staleAfter == null || staleAfter.isNegative() || staleAfter.isZero()) {
            throw new IllegalArgumentException("staleAfter: " + staleAfter + " (expected: > 0)");
        }
        this.staleAfter = staleAfter;
        this.staleAfterNanos = staleAfter.toNanos();
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
    }

    public Duration staleAfter() {
        return staleAfter;
    }

    // ---- writes (stream threads) ----

    /** A sidecar said hello: (re)register it, keeping nothing of an earlier session's reports. */
    public void hello(PodKey key, String node, List<String> models, String version) {
        long now = nanoClock.getAsLong();
        PodLoad previous = pods.put(key, new PodLoad(key, node, List.copyOf(models), version, null, now, true));
        if (previous != null) {
            unindex(previous);
        }
        for (String model : models) {
            index(key, model);
        }
    }

    /** A report from a registered sidecar; ignored (returns false) for an unknown pod. */
    public boolean report(PodKey key, LoadReport report) {
        long now = nanoClock.getAsLong();
        PodLoad updated = pods.computeIfPresent(key, (k, p) -> p.withReport(report, now));
        if (updated == null) {
            return false;
        }
        for (var m : report.getModelsList()) {
            if (!updated.models().contains(m.getModel())) {
                index(key, m.getModel());
            }
        }
        return true;
    }

    /** The sidecar's stream ended. Its data stays until it goes stale (it may reconnect at once). */
    public void disconnected(PodKey key) {
        pods.computeIfPresent(key, (k, p) -> p.withConnected(false));
    }

    /** Drops pods whose last word is older than {@code staleAfter}; returns how many. */
    public int expire() {
        long now = nanoClock.getAsLong();
        int removed = 0;
        for (PodLoad p : pods.values()) {
            if (stale(p, now) && pods.remove(p.key(), p)) {
                unindex(p);
                removed++;
            }
        }
        return removed;
    }

    // ---- reads (any thread) ----

    /** The aggregated load of one model, empty when no live pod reports it. */
    public Optional<ModelLoad> model(String namespace, String model) {
        ModelKey key = new ModelKey(namespace, model);
        Set<PodKey> keys = podsByModel.get(key);
        if (keys == null) {
            return Optional.empty();
        }
        return aggregate(key, keys, nanoClock.getAsLong());
    }

    /** Every model with at least one live pod, sorted by namespace and name. */
    public List<ModelLoad> models() {
        long now = nanoClock.getAsLong();
        List<ModelLoad> out = new ArrayList<>();
        for (Map.Entry<ModelKey, Set<PodKey>> e : podsByModel.entrySet()) {
            aggregate(e.getKey(), e.getValue(), now).ifPresent(out::add);
        }
        out.sort(Comparator.comparing(ModelLoad::namespace).thenComparing(ModelLoad::model));
        return out;
    }

    /** One pod's latest state, live or not yet expired. */
    public Optional<PodLoad> pod(String namespace, String pod) {
        return Optional.ofNullable(pods.get(new PodKey(namespace, pod)));
    }

    /** All live pods. */
    public List<PodLoad> pods() {
        long now = nanoClock.getAsLong();
        return pods.values().stream().filter(p -> !stale(p, now)).toList();
    }

    /** Live pods serving a model. */
    public List<PodLoad> pods(String namespace, String model) {
        Set<PodKey> keys = podsByModel.get(new ModelKey(namespace, model));
        if (keys == null) {
            return List.of();
        }
        long now = nanoClock.getAsLong();
        return keys.stream().map(pods::get).filter(p -> p != null && !stale(p, now)).toList();
    }

    // ---- internals ----

    private boolean stale(PodLoad p, long now) {
        return now - p.receivedAtNanos() > staleAfterNanos;
    }

    private void index(PodKey pod, String model) {
        podsByModel.computeIfAbsent(new ModelKey(pod.namespace(), model), k -> ConcurrentHashMap.newKeySet()).add(pod);
    }

    private void unindex(PodLoad p) {
        List<String> models = new ArrayList<>(p.models());
        if (p.lastReport() != null) {
            p.lastReport().getModelsList().forEach(m -> models.add(m.getModel()));
        }
        for (String model : models) {
            ModelKey mk = new ModelKey(p.key().namespace(), model);
            podsByModel.computeIfPresent(mk, (k, set) -> {
                // Keep the pod if a newer registration of it still serves the model.
                PodLoad current = pods.get(p.key());
                if (current == null || !serves(current, model)) {
                    set.remove(p.key());
                }
                return set.isEmpty() ? null : set;
            });
        }
    }

    private static boolean serves(PodLoad p, String model) {
        if (p.models().contains(model)) {
            return true;
        }
        return p.lastReport() != null && p.lastReport().getModelsList().stream().anyMatch(m -> m.getModel().equals(model));
    }

    private Optional<ModelLoad> aggregate(ModelKey key, Collection<PodKey> keys, long now) {
        int live = 0;
        long high = 0, medium = 0, low = 0, inFlight = 0, limit = 0;
        double arrival = 0, admitted = 0, shed = 0;
        double p50Weighted = 0, serviceWeighted = 0, p50Sum = 0, serviceSum = 0, p99 = 0;
        double minCompliance = 1.0, maxBurn = 0.0;
        long newestAge = Long.MAX_VALUE;
        for (PodKey pk : keys) {
            PodLoad p = pods.get(pk);
            if (p == null || stale(p, now)) {
                continue;
            }
            live++;
            newestAge = Math.min(newestAge, now - p.receivedAtNanos());
            if (p.lastReport() == null) {
                continue;
            }
            for (var m : p.lastReport().getModelsList()) {
                if (!m.getModel().equals(key.model())) {
                    continue;
                }
                for (PriorityLoad q : m.getPrioritiesList()) {
                    switch (q.getPriority()) {
                        case PRIORITY_HIGH -> high += q.getQueued();
                        case PRIORITY_LOW -> low += q.getQueued();
                        default -> medium += q.getQueued();
                    }
                }
                inFlight += m.getInFlight();
                limit += m.getLimit();
                arrival += m.getArrivalRate();
                admitted += m.getAdmittedRate();
                shed += m.getShedRate();
                p50Weighted += m.getLatencyP50Seconds() * m.getAdmittedRate();
                serviceWeighted += m.getServiceTimeSeconds() * m.getAdmittedRate();
                p50Sum += m.getLatencyP50Seconds();
                serviceSum += m.getServiceTimeSeconds();
                p99 = Math.max(p99, m.getLatencyP99Seconds());
                for (SloState s : m.getSlosList()) {
                    minCompliance = Math.min(minCompliance, s.getCompliance());
                    maxBurn = Math.max(maxBurn, s.getBurnRate());
                }
            }
        }
        if (live == 0) {
            return Optional.empty();
        }
        double p50 = admitted > 0 ? p50Weighted / admitted : p50Sum / live;
        double service = admitted > 0 ? serviceWeighted / admitted : serviceSum / live;
        return Optional.of(new ModelLoad(key.namespace(), key.model(), live, new QueueDepths(high, medium, low),
                inFlight, limit, arrival, admitted, shed, p50, p99, service, minCompliance, maxBurn, newestAge));
    }
}
