package ai.aim.scheduler.placement;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The outcome of placing one model, explained: the chosen partition (empty = nowhere fits), why
 * (a sentence), and the rejected partitions with their reasons. To stay small on large clusters the
 * list holds at most {@code Placer}'s explain limit; {@code rejectedByReason} counts all of them.
 * Immutable.
 */
public record PlacementDecision(
        PlacementRequest request,
        Optional<Partition> chosen,
        String explanation,
        List<Rejection> rejections,
        Map<Rejection.Reason, Integer> rejectedByReason) {

    public PlacementDecision {
        rejections = List.copyOf(rejections);
        rejectedByReason = rejectedByReason.isEmpty() ? Map.of() : Map.copyOf(new EnumMap<>(rejectedByReason));
    }

    public boolean placed() {
        return chosen.isPresent();
    }

    /** One line for events and logs, e.g. "no partition fits: 6 INSUFFICIENT_MEMORY, 2 COMPUTE_MODE". */
    public String summary() {
        if (placed()) {
            return explanation;
        }
        StringBuilder b = new StringBuilder(explanation);
        if (!rejectedByReason.isEmpty()) {
            b.append(" (");
            String sep = "";
            for (Rejection.Reason r : Rejection.Reason.values()) {
                Integer n = rejectedByReason.get(r);
                if (n != null) {
                    b.append(sep).append(n).append(' ').append(r);
                    sep = ", ";
                }
            }
            b.append(')');
        }
        return b.toString();
    }
}
