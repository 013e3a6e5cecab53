package ai.aim.scheduler.reports;

/** Requests waiting in admission queues, per priority, summed over pods. Immutable. */
public record QueueDepths(long high, long medium, long low) {
    public static final QueueDepths EMPTY = new QueueDepths(0, 0, 0);

    public long total() {
        return high + medium + low;
    }

    /** By priority label ({@code "high"}, {@code "medium"}, {@code "low"}, any case). */
    public long of(String priority) {
        return switch (priority.toLowerCase(java.util.Locale.ROOT)) {
            case "high" -> high;
            case "medium" -> medium;
            case "low" -> low;
            default -> throw new IllegalArgumentException("priority: '" + priority + "' (expected: high, medium or low)");
        };
    }

    QueueDepths plus(long h, long m, long l) {
        return new QueueDepths(high + h, medium + m, low + l);
    }
}
