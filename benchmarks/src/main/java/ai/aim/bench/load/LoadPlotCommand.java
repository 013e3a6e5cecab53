package ai.aim.bench.load;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code aim-bench load-plot}: one latency-percentile PNG from several {@code load --json} results. */
@Command(name = "load-plot", mixinStandardHelpOptions = true,
    description = "Plot latency percentiles per priority per target from load --json results.")
public final class LoadPlotCommand implements Callable<Integer> {

  @Option(names = "--out", required = true, description = "PNG to write.")
  Path out;

  @Option(names = "--title", description = "Chart title.")
  String title = "latency per priority (corrected for coordinated omission)";

  @Parameters(arity = "1..*", description = "JSON results of aim-bench load.")
  List<Path> inputs;

  @Override
  public Integer call() throws Exception {
    ObjectMapper m = new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    List<LoadResult> rs = new ArrayList<>();
    for (Path p : inputs) {
      rs.add(m.readValue(p.toFile(), LoadResult.class));
    }
    LoadPlots.latency(rs, title, out);
    return 0;
  }
}
