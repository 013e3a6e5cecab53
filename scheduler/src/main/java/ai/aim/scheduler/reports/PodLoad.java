package ai.aim.scheduler.reports;

import ai.aim.scheduler.client.v1.LoadReport;
import java.util.List;

/**
 * The latest state of one sidecar: what it said in its Hello, its last report (null before the
 * first) and when that arrived on the scheduler's nano clock. Immutable snapshot; the aggregator
 * replaces it on every report.
 */
public record PodLoad(
        PodKey key,
        String node,
        List<String> models,
        String version,
        LoadReport lastReport,
        long receivedAtNanos,
        boolean connected) {

    PodLoad withReport(LoadReport report, long nowNanos) {
        return new PodLoad(key, node, models, version, report, nowNanos, connected);
    }

    PodLoad withConnected(boolean now) {
        return new PodLoad(key, node, models, version, lastReport, receivedAtNanos, now);
    }
}
