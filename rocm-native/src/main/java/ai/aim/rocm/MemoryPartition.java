package ai.aim.rocm;

import java.util.Locale;
import java.util.Optional;

/**
 * AMD Instinct memory partition mode (NUMA nodes per socket): how the GPU's HBM is split.
 *
 * <p>Parsed from the name only; the AMD SMI enum numbering for NPS modes changed between
 * releases, so numbers are never trusted. Immutable.
 */
public enum MemoryPartition {
  /** One memory domain for the whole GPU. */
  NPS1(1),
  /** Two memory domains. */
  NPS2(2),
  /** Four memory domains (one per HBM quarter on MI300X). */
  NPS4(4),
  /** Eight memory domains. */
  NPS8(8);

  private final int domains;

  MemoryPartition(int domains) {
    this.domains = domains;
  }

  /** Number of memory domains in this mode. */
  public int domains() {
    return domains;
  }

  /** Lower-case name used in metric labels and Kubernetes resource names ({@code "nps4"}). */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Parses a mode name, ignoring case and surrounding white space.
   *
   * @return the mode, or empty when the text names no known mode
   */
  public static Optional<MemoryPartition> parse(String text) {
    if (text == null) {
      return Optional.empty();
    }
    String t = text.trim().toUpperCase(Locale.ROOT);
    for (MemoryPartition p : values()) {
      if (p.name().equals(t)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }
}
