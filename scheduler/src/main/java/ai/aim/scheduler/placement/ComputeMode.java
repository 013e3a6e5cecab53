package ai.aim.scheduler.placement;

import java.util.Locale;

/** AMD Instinct compute partition modes; {@link #perGpu()} is the partition count on an MI300X. */
public enum ComputeMode {
    SPX(1), DPX(2), TPX(3), QPX(4), CPX(8);

    private final int perGpu;

    ComputeMode(int perGpu) {
        this.perGpu = perGpu;
    }

    /** Partitions one physical GPU shows in this mode (MI300X: 8 XCDs). */
    public int perGpu() {
        return perGpu;
    }

    /** Parses "SPX", "cpx" (any case, surrounding blanks ignored); null when unknown. */
    public static ComputeMode parseOrNull(String s) {
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
