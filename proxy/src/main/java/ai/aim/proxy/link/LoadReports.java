package ai.aim.proxy.link;

import ai.aim.proxy.admission.AdmissionSnapshot;
import ai.aim.proxy.slo.LatencyKind;
import ai.aim.proxy.slo.SloSnapshot;
import ai.aim.proxy.slo.Window;
import ai.aim.rocm.PartitionSnapshot;
import ai.aim.rocm.TelemetrySnapshot;
import ai.aim.scheduler.client.v1.LoadReport;
import ai.aim.scheduler.client.v1.ModelLoad;
import ai.aim.scheduler.client.v1.PartitionTelemetry;
import ai.aim.scheduler.client.v1.Priority;
import ai.aim.scheduler.client.v1.PriorityLoad;
import ai.aim.scheduler.client.v1.SloState;
import java.util.Collection;
import java.util.List;

/**
 * Builds one {@link LoadReport} from what the sidecar already publishes: the admission snapshot
 * (queues, in-flight, limit, rates), the SLO snapshot (compliance, burn rate, latency percentiles)
 * and, when a GPU source runs, the latest partition telemetry. A pure function of its inputs;
 * safe on any thread.
 */
final class LoadReports {

  /** The window whose percentiles stand for "now" in a report. */
  static final Window LATENCY_WINDOW = Window.ONE_MINUTE;

  private LoadReports() {}

  /**
   * @param models the models to report (the configured ones); a model admission has not seen yet
   *     is reported idle with its limit unknown (0)
   * @param gpu the latest GPU telemetry, or null when no GPU source runs
   */
  static LoadReport build(Collection<String> models, AdmissionSnapshot admission, SloSnapshot slo,
      TelemetrySnapshot gpu, long wallMillis) {
    LoadReport.Builder r = LoadReport.newBuilder().setTimestampUnixMillis(wallMillis);
    for (String model : models) {
      r.addModels(model(model, admission.models().get(model), slo));
    }
    if (gpu != null) {
      gpu.partitions().forEach(p -> r.addPartitions(partition(p)));
    }
    return r.build();
  }

  private static ModelLoad model(String name, AdmissionSnapshot.Model m, SloSnapshot slo) {
    ModelLoad.Builder b = ModelLoad.newBuilder().setModel(name);
    double arrivals = 0;
    double admitted = 0;
    double shed = 0;
    for (ai.aim.proxy.admission.Priority p : ai.aim.proxy.admission.Priority.values()) {
      PriorityLoad.Builder pl = PriorityLoad.newBuilder().setPriority(wire(p));
      if (m != null) {
        AdmissionSnapshot.Class c = m.of(p);
        pl.setQueued(c.queueDepth())
            .setArrivalRate(c.arrivalRate())
            .setAdmittedRate(c.admitRate())
            .setShedRate(c.shedRate());
        arrivals += c.arrivalRate();
        admitted += c.admitRate();
        shed += c.shedRate();
      }
      b.addPriorities(pl);
    }
    if (m != null) {
      b.setInFlight(m.inflight())
          .setLimit(m.limit())
          .setServiceTimeSeconds(m.serviceTimeMillis() / 1000.0);
    }
    b.setArrivalRate(arrivals).setAdmittedRate(admitted).setShedRate(shed);
    latencyAndSlos(b, name, slo);
    return b.build();
  }

  /**
   * Percentiles per model are not mergeable from per-priority percentiles, so the report takes the
   * p50 of the busiest priority and the highest p99 of any priority with requests (an upper bound
   * of the model's p99) over {@link #LATENCY_WINDOW}.
   */
  private static void latencyAndSlos(ModelLoad.Builder b, String name, SloSnapshot slo) {
    if (slo == null) {
      return;
    }
    long busiest = 0;
    double p50 = 0;
    double p99 = 0;
    List<SloSnapshot.Series> series = slo.series();
    for (SloSnapshot.Series s : series) {
      if (!s.model().equals(name)) {
        continue;
      }
      SloSnapshot.WindowStats w = s.windows().get(LATENCY_WINDOW);
      SloSnapshot.Percentiles pct = w == null ? null : w.percentiles().get(LatencyKind.TOTAL);
      if (pct != null && pct.count() > 0) {
        if (pct.count() > busiest) {
          busiest = pct.count();
          p50 = pct.p50();
        }
        p99 = Math.max(p99, pct.p99());
      }
      for (Window win : Window.values()) {
        SloSnapshot.WindowStats ws = s.windows().get(win);
        if (ws == null) {
          continue;
        }
        b.addSlos(SloState.newBuilder()
            .setPriority(wire(s.priority()))
            .setWindow(win.label())
            .setCompliance(Math.min(ws.latency().compliance(), ws.availability().compliance()))
            .setBurnRate(ws.burnRate()));
      }
    }
    b.setLatencyP50Seconds(p50 / 1000.0).setLatencyP99Seconds(p99 / 1000.0);
  }

  private static PartitionTelemetry partition(PartitionSnapshot p) {
    PartitionTelemetry.Builder t = PartitionTelemetry.newBuilder()
        .setGpuId(Integer.toString(p.gpuId()))
        .setPartitionId(Integer.toString(p.partitionId()));
    p.computePartition().ifPresent(c -> t.setComputeMode(c.name()));
    p.memoryPartition().ifPresent(mp -> t.setMemoryMode(mp.name()));
    p.vramTotalBytes().ifPresent(t::setMemoryTotalBytes);
    p.vramUsedBytes().ifPresent(t::setMemoryUsedBytes);
    p.utilization().ifPresent(t::setUtilization);
    return t.build();
  }

  static Priority wire(ai.aim.proxy.admission.Priority p) {
    return switch (p) {
      case HIGH -> Priority.PRIORITY_HIGH;
      case MEDIUM -> Priority.PRIORITY_MEDIUM;
      case LOW -> Priority.PRIORITY_LOW;
    };
  }
}
