package ai.aim.scheduler.placement;

import java.util.Objects;

/**
 * Why one partition was not chosen for a model: the partition's name, a code and a readable detail.
 *
 * <p>Immutable and thread-safe. A placement lists up to 32 of these per decision and most are never
 * read, so those made by the placer keep the facts (partition, request, free bytes at decision
 * time) and format the detail on first read; a racing second read formats the same string again.
 * Equality is by partition, reason and detail.
 */
public final class Rejection {
    private final String partition;
    private final Reason reason;
    private final Partition where;
    private final PlacementRequest request;
    private final long freeBytes;
    private String detail;

    public Rejection(String partition, Reason reason, String detail) {
        this.partition = Objects.requireNonNull(partition, "partition");
        this.reason = Objects.requireNonNull(reason, "reason");
        this.detail = Objects.requireNonNull(detail, "detail");
        this.where = null;
        this.request = null;
        this.freeBytes = 0;
    }

    private Rejection(Reason reason, PlacementRequest request, Partition where, long freeBytes) {
        this.partition = where.name();
        this.reason = reason;
        this.where = where;
        this.request = request;
        this.freeBytes = freeBytes;
    }

    /** The rejection of {@code c} for {@code request}, its detail formatted when first read. */
    static Rejection of(Reason reason, PlacementRequest request, Candidate c) {
        return new Rejection(reason, request, c.partition(), c.freeBytes());
    }

    /** Rejection codes, in the order the filters apply. */
    public enum Reason {
        /** The node is gone or cordoned. */
        UNAVAILABLE,
        /** Another partition is pinned. */
        NOT_PINNED,
        COMPUTE_MODE,
        MEMORY_MODE,
        INSUFFICIENT_MEMORY
    }

    public String partition() {
        return partition;
    }

    public Reason reason() {
        return reason;
    }

    /** A readable sentence, e.g. "25769803776 bytes free, wanted 42949672960". */
    public String detail() {
        String d = detail;
        if (d == null) {
            d = Placer.detail(reason, request, where, freeBytes);
            detail = d;
        }
        return d;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Rejection r && partition.equals(r.partition) && reason == r.reason && detail().equals(r.detail());
    }

    @Override
    public int hashCode() {
        return Objects.hash(partition, reason, detail());
    }

    @Override
    public String toString() {
        return partition + ": " + detail();
    }
}
