package ai.aim.rocm;

import java.util.Locale;
import java.util.Optional;

/**
 * AMD Instinct compute partition mode: how the XCDs of one physical GPU are grouped into
 * separately schedulable partitions.
 *
 * <p>Always parsed from the mode's name as the driver prints it ({@code "CPX\n"}), never from an
 * AMD SMI enum number, because those numbers are not stable across releases. Immutable.
 */
public enum ComputePartition {
  /** Single partition: all XCDs form one GPU. */
  SPX(1),
  /** Dual partition. */
  DPX(2),
  /** Triple partition. */
  TPX(3),
  /** Quad partition. */
  QPX(4),
  /** One partition per XCD; the count depends on the product (8 on MI300X). */
  CPX(0);

  private final int fixedPartitions;

  ComputePartition(int fixedPartitions) {
    this.fixedPartitions = fixedPartitions;
  }

  /**
   * Number of partitions a GPU shows in this mode.
   *
   * @param xcdCount XCDs on the GPU (8 on MI300X and MI325X); only CPX depends on it
   */
  public int partitionCount(int xcdCount) {
    if (xcdCount < 1) {
      throw new IllegalArgumentException("xcdCount: " + xcdCount + " (expected: >= 1)");
    }
    return this == CPX ? xcdCount : fixedPartitions;
  }

  /** Lower-case name used in metric labels and Kubernetes resource names ({@code "cpx"}). */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Parses a mode name, ignoring case and surrounding white space.
   *
   * @return the mode, or empty when the text names no known mode
   */
  public static Optional<ComputePartition> parse(String text) {
    if (text == null) {
      return Optional.empty();
    }
    String t = text.trim().toUpperCase(Locale.ROOT);
    for (ComputePartition p : values()) {
      if (p.name().equals(t)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }
}
