package ai.aim.bench.load;

import ai.aim.proxy.admission.Priority;
import picocli.CommandLine;

/**
 * What {@code --probe RATE:CLASS} asks for: requests of one class at a fixed rate, sent by
 * {@link ProbeRun} beside the main load. Immutable.
 *
 * @param ratePerSec probe requests per second, in (0, {@link #MAX_RATE}]
 * @param priority the class of every probe request
 */
public record ProbeSpec(double ratePerSec, Priority priority) {

  /** Highest rate: the probe is one request at a time over one connection, a light second client. */
  public static final double MAX_RATE = 1000;

  static final String EXPECTED = "RATE:high|medium|low, RATE per second > 0 and <= 1000, e.g. 20:low";

  /** Validates. */
  public ProbeSpec {
    if (!(ratePerSec > 0 && ratePerSec <= MAX_RATE)) {
      throw new IllegalArgumentException("rate " + ratePerSec + " (expected: > 0 and <= " + (int) MAX_RATE + ")");
    }
    java.util.Objects.requireNonNull(priority, "priority");
  }

  /** Parses {@code RATE:CLASS}, e.g. {@code 20:low}; the message says what was expected. */
  public static ProbeSpec parse(String spec) {
    String[] f = spec.split(":", -1);
    Priority p = f.length == 2 ? Priority.parseOrNull(f[1].trim()) : null;
    double rate;
    try {
      rate = f.length == 2 ? Double.parseDouble(f[0].trim()) : Double.NaN;
    } catch (NumberFormatException e) {
      rate = Double.NaN;
    }
    if (p == null || !(rate > 0 && rate <= MAX_RATE)) {
      throw new IllegalArgumentException("'" + spec + "' (expected: " + EXPECTED + ")");
    }
    return new ProbeSpec(rate, p);
  }

  /** Requests in {@code durationNanos}: one every 1/rate from 0, none at or past the end. */
  public long count(long durationNanos) {
    return (long) Math.floor(ratePerSec * durationNanos / 1e9);
  }

  /** Intended send time of request {@code i}, nanos after the run's start. */
  public long offsetNanos(long i) {
    return Math.round(i * 1e9 / ratePerSec);
  }

  /** The picocli converter of {@code --probe}: a bad value is a usage error naming the option. */
  public static final class Converter implements CommandLine.ITypeConverter<ProbeSpec> {
    @Override
    public ProbeSpec convert(String value) {
      try {
        return parse(value);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }
}
