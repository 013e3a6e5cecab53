package ai.aim.bench.load;

import ai.aim.proxy.admission.Priority;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** PNG plots of {@link LoadResult}s with XChart. Stateless. */
public final class LoadPlots {

  private LoadPlots() {}

  /**
   * Latency percentiles (coordinated-omission corrected) per priority per target: x is the
   * percentile as "nines" (-log10(1 - q)), y milliseconds on a log scale.
   */
  public static void latency(List<LoadResult> results, String title, Path png) throws IOException {
    XYChart chart = new XYChartBuilder().width(900).height(560).title(title)
        .xAxisTitle("percentile (50, 90, 99, 99.9, 99.99)").yAxisTitle("latency ms (log)").build();
    chart.getStyler().setYAxisLogarithmic(true);
    chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.OutsideE);
    chart.getStyler().setxAxisTickLabelsFormattingFunction(x -> String.format("%.4g", 100 * (1 - Math.pow(10, -x))));
    for (LoadResult r : results) {
      for (Priority p : Priority.values()) {
        LoadResult.Group g = r.priorities().get(p.label());
        if (g == null || g.ok() == 0) {
          continue;
        }
        List<Double> xs = new ArrayList<>();
        List<Double> ys = new ArrayList<>();
        g.okPercentiles().forEach((q, ms) -> {
          if (!ms.isNaN()) {
            xs.add(-Math.log10(1 - Double.parseDouble(q) / 100));
            ys.add(Math.max(0.01, ms));
          }
        });
        XYSeries s = chart.addSeries(r.label() + " " + p.label(), xs, ys);
        s.setMarker(SeriesMarkers.CIRCLE);
      }
    }
    BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
  }

  /** Successful answers and 429s per second per priority over the run. */
  public static void timeline(LoadResult r, Path png) throws IOException {
    XYChart chart = new XYChartBuilder().width(900).height(480)
        .title(r.label() + ": answers per second").xAxisTitle("second").yAxisTitle("per second").build();
    chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.OutsideE);
    for (Priority p : Priority.values()) {
      List<Double> xs = new ArrayList<>();
      List<Double> ok = new ArrayList<>();
      List<Double> shed = new ArrayList<>();
      for (LoadResult.Second s : r.timeline()) {
        xs.add((double) s.second());
        ok.add((double) s.ok()[p.ordinal()]);
        shed.add((double) s.shed()[p.ordinal()]);
      }
      chart.addSeries("ok " + p.label(), xs, ok).setMarker(SeriesMarkers.NONE);
      chart.addSeries("429 " + p.label(), xs, shed).setMarker(SeriesMarkers.NONE);
    }
    BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
  }
}
