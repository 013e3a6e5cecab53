package ai.aim.proxy.testing;

import ai.aim.proxy.admission.Priority;
import ai.aim.proxy.metrics.Outcome;
import ai.aim.proxy.metrics.RequestObserver;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A {@link RequestObserver} that keeps every call, for assertions. */
public final class Recorder implements RequestObserver {

  /** One observed request. */
  public record Call(String model, Priority priority, Outcome outcome, long queueNanos,
      long upstreamNanos, long ttfbNanos, long totalNanos) {}

  private final List<Call> calls = new CopyOnWriteArrayList<>();

  @Override
  public void onComplete(String model, Priority priority, Outcome outcome, long queueNanos,
      long upstreamNanos, long ttfbNanos, long totalNanos) {
    calls.add(new Call(model, priority, outcome, queueNanos, upstreamNanos, ttfbNanos, totalNanos));
  }

  public List<Call> calls() {
    return calls;
  }
}
