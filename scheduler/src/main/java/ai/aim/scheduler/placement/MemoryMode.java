package ai.aim.scheduler.placement;

import java.util.Locale;

/** AMD Instinct memory partition modes (NUMA nodes per socket). */
public enum MemoryMode {
    NPS1, NPS2, NPS4, NPS8;

    /** Parses "NPS4", "nps4" (any case, surrounding blanks ignored); null when unknown. */
    public static MemoryMode parseOrNull(String s) {
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
