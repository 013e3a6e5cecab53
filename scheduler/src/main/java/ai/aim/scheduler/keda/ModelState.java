package ai.aim.scheduler.keda;

import java.util.Locale;

/**
 * The scaler's memory of one model (namespace/model): when it was last active, an explicit
 * activation, the last known service time, whether it is GPU-capped, and the values the gauges
 * read. Any thread may call it; every method is {@code synchronized} on the instance.
 */
final class ModelState {

  final String namespace;
  final String model;
  final String key;

  private long lastActiveNanos;
  private boolean everActive;
  private long activationUntilNanos;
  private boolean activationRequested;
  private double serviceSeconds;
  private boolean capped;
  private String scaledObjectName;

  // Read by gauges (any thread); written under the monitor.
  volatile double metricValue;
  volatile double desiredReplicas;
  volatile double cappedReplicas;
  volatile double active;
  volatile double forecastConcurrency = Double.NaN;

  ModelState(String namespace, String model) {
    this.namespace = namespace;
    this.model = model;
    this.key = key(namespace, model);
  }

  static String key(String namespace, String model) {
    return namespace + "/" + model;
  }

  /** A metric name KEDA accepts: lower case letters, digits and dashes. */
  String metricName() {
    return "aim-" + model.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
  }

  synchronized void scaledObject(String name) {
    this.scaledObjectName = name;
  }

  synchronized String scaledObjectName() {
    return scaledObjectName;
  }

  synchronized void requestActivation(long nowNanos, long holdNanos) {
    activationRequested = true;
    activationUntilNanos = nowNanos + holdNanos;
  }

  /** Remembers a measured service time; returns the last known one (0 if never measured). */
  synchronized double serviceSeconds(ModelLoad load) {
    if (load.meanServiceSeconds() > 0) {
      serviceSeconds = load.meanServiceSeconds();
    }
    return serviceSeconds;
  }

  /**
   * Applies the idle rule: active while demand is above the threshold or an activation is held,
   * and for {@code idleNanos} after that.
   */
  synchronized boolean active(ScalingDecision d, ScalerMetadata meta, long nowNanos) {
    boolean held = activationRequested && nowNanos - activationUntilNanos < 0;
    boolean now = d.demand() > meta.activationThreshold() || held;
    if (now) {
      lastActiveNanos = nowNanos;
      everActive = true;
    }
    boolean result = now || everActive && nowNanos - lastActiveNanos < meta.idleBeforeScaleToZero().toNanos();
    metricValue = d.metricValue();
    desiredReplicas = d.desiredReplicas();
    cappedReplicas = d.cappedReplicas();
    forecastConcurrency = d.forecast();
    active = result ? 1 : 0;
    return result;
  }

  /** Records the cap state; true when it changed (an Event is due). */
  synchronized boolean cappedChanged(boolean nowCapped) {
    boolean changed = nowCapped != capped;
    capped = nowCapped;
    return changed;
  }
}
