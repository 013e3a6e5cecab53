package ai.aim.scheduler.placement;

/**
 * What the placer reads about one partition. Package-private so the inventory can offer its live
 * slots without copying 8,000 snapshots per decision.
 */
interface Candidate {
    Partition partition();

    long freeBytes();

    boolean available();

    /** HIGH models already on this partition's physical GPU (all its partitions). */
    int highOnGpu();

    /** {@link Placer#orderKey(Partition)} of this partition, computed once. */
    String orderKey();
}
