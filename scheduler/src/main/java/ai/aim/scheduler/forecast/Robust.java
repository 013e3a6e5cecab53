package ai.aim.scheduler.forecast;

import java.util.Arrays;

/** Robust statistics on small arrays. Stateless; safe from any thread. */
final class Robust {

  /** MAD of a normal distribution relative to its standard deviation. */
  static final double MAD_TO_SIGMA = 1.4826;

  private Robust() {}

  /** Median of the first {@code n} values; sorts them in place. {@code NaN} when empty. */
  static double medianInPlace(double[] values, int n) {
    if (n == 0) {
      return Double.NaN;
    }
    Arrays.sort(values, 0, n);
    return n % 2 == 1 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
  }

  /** Median absolute deviation around {@code center} of the first {@code n} values (in place). */
  static double madInPlace(double[] values, int n, double center) {
    for (int i = 0; i < n; i++) {
      values[i] = Math.abs(values[i] - center);
    }
    return medianInPlace(values, n);
  }

  /**
   * Theil-Sen slope of {@code y} against its index: the median of pairwise slopes. With {@code
   * lagMultiple > 1} only pairs whose distance is a multiple of it count, which removes a cycle of
   * that length (daily means compared with the same weekday only). {@code NaN} without a pair.
   */
  static double theilSen(double[] y, int n, int lagMultiple) {
    double[] slopes = new double[n * (n - 1) / 2];
    int k = 0;
    for (int i = 0; i < n; i++) {
      if (Double.isNaN(y[i])) {
        continue;
      }
      for (int j = i + 1; j < n; j++) {
        if (!Double.isNaN(y[j]) && (j - i) % lagMultiple == 0) {
          slopes[k++] = (y[j] - y[i]) / (j - i);
        }
      }
    }
    return medianInPlace(slopes, k);
  }

  /** Autocorrelation of {@code x} (NaN entries skipped pairwise) at {@code lag}. */
  static double autocorrelation(double[] x, int n, int lag) {
    if (lag >= n) {
      return Double.NaN;
    }
    double sum = 0;
    int count = 0;
    for (int i = 0; i < n; i++) {
      if (!Double.isNaN(x[i])) {
        sum += x[i];
        count++;
      }
    }
    if (count < 2) {
      return Double.NaN;
    }
    double mean = sum / count;
    double var = 0;
    for (int i = 0; i < n; i++) {
      if (!Double.isNaN(x[i])) {
        double d = x[i] - mean;
        var += d * d;
      }
    }
    double cov = 0;
    int pairs = 0;
    for (int i = lag; i < n; i++) {
      if (!Double.isNaN(x[i]) && !Double.isNaN(x[i - lag])) {
        cov += (x[i] - mean) * (x[i - lag] - mean);
        pairs++;
      }
    }
    if (var == 0 || pairs == 0) {
      return Double.NaN;
    }
    // Normalise per pair so short overlaps are not biased towards zero.
    return (cov / pairs) / (var / count);
  }
}
