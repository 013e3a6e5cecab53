package ai.aim.proxy.admission;

import ai.aim.proxy.metrics.Outcome;
import java.util.concurrent.CompletableFuture;

/**
 * One pre-allocated, reused slot of the admission ring. A producer claims it, copies its fields in
 * and publishes; the consumer copies them out, acts, and clears the references so that no request
 * stays reachable from the ring.
 */
final class RingEvent {
  static final int ARRIVAL = 1;
  static final int COMPLETE = 2;
  static final int CANCEL = 3;
  static final int RELOAD = 4;
  static final int ENGINE = 5;
  static final int SNAPSHOT = 6;
  static final int DRAIN = 7;
  static final int CLOSE = 8;
  static final int LIMIT = 9;
  static final int RESUME = 10;

  int kind;
  long ticket;
  String model;
  Priority priority;
  long deadline;
  String tenant;
  long cost;
  AdmissionCallback callback;
  long arrivalNanos;
  Outcome outcome;
  long upstreamNanos;
  int waiting;
  double kvUsage;
  long sampledAt;
  int limit;
  long expiresAt;
  AdmissionConfig config;
  CompletableFuture<AdmissionSnapshot> snapshotFuture;

  void clear() {
    kind = 0;
    model = null;
    priority = null;
    tenant = null;
    callback = null;
    outcome = null;
    config = null;
    snapshotFuture = null;
  }
}
