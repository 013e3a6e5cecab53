package ai.aim.scheduler.placement;

import java.util.Locale;

/** A model's QoS class as placement sees it: HIGH models are spread across physical GPUs. */
public enum QosPriority {
    HIGH, MEDIUM, LOW;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses "high", "HIGH"; null when unknown. */
    public static QosPriority parseOrNull(String s) {
        if (s == null) {
            return null;
        }
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
