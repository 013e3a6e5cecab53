package ai.aim.proxy.admission;

import ai.aim.proxy.metrics.Outcome;

/**
 * One pre-allocated, reused slot of the admission ring. A producer claims it, copies its fields in
 * and publishes; the consumer copies them out, acts, and clears the references so that no request
 * stays reachable from the ring.
 *
 * <p>The fields are shared between kinds so that a slot is 56 bytes (12-byte header, two ints,
 * three longs, three compressed references): every event crosses from a producer's core to the
 * consumer's, so the bytes per slot are what the consumer waits for when the ring is long and
 * its slots are cold. An arrival's ticket is its ring sequence, which the consumer is handed
 * anyway, so it is not stored. What each field holds per kind:
 *
 * <pre>
 * kind      a                b        c        code               model  tenant  target
 * ARRIVAL   deadline         cost     arrival  priority or -1     model  tenant  callback
 * COMPLETE  upstream nanos   ticket   -        outcome ordinal    -      -       -
 * CANCEL    -                ticket   -        -                  -      -       -
 * RELOAD    -                -        -        -                  -      -       config
 * ENGINE    sampled at       kv bits  -        waiting requests   model  -       -
 * LIMIT     expires at       -        -        limit              model  -       -
 * SNAPSHOT  -                -        -        -                  -      -       future
 * UPSTREAM  -                -        -        ready (1) or not   -      -       -
 * </pre>
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
  static final int UPSTREAM = 11;

  private static final Priority[] PRIORITIES = Priority.values();
  private static final Outcome[] OUTCOMES = Outcome.values();

  int kind;
  int code;
  long a;
  long b;
  long c;
  String model;
  String tenant;
  Object target;

  void arrival(
      String model,
      Priority priority,
      long deadline,
      String tenant,
      long cost,
      AdmissionCallback callback,
      long arrivalNanos) {
    this.kind = ARRIVAL;
    this.model = model;
    this.code = priority == null ? -1 : priority.ordinal();
    this.a = deadline;
    this.tenant = tenant;
    this.b = cost;
    this.target = callback;
    this.c = arrivalNanos;
  }

  void completion(long ticket, Outcome outcome, long upstreamNanos) {
    this.kind = COMPLETE;
    this.b = ticket;
    this.code = outcome.ordinal();
    this.a = upstreamNanos;
  }

  void cancellation(long ticket) {
    this.kind = CANCEL;
    this.b = ticket;
  }

  /** The ticket of a {@code COMPLETE} or {@code CANCEL}. */
  long ticket() {
    return b;
  }

  void engine(String model, int waiting, double kvUsage, long sampledAt) {
    this.kind = ENGINE;
    this.model = model;
    this.code = waiting;
    this.b = Double.doubleToRawLongBits(kvUsage);
    this.a = sampledAt;
  }

  /** The class of an {@code ARRIVAL}, or null for the model's default. */
  Priority priority() {
    return code < 0 ? null : PRIORITIES[code];
  }

  /** The outcome of a {@code COMPLETE}. */
  Outcome outcome() {
    return OUTCOMES[code];
  }

  double kvUsage() {
    return Double.longBitsToDouble(b);
  }

  /**
   * Drops the references to request objects; the numbers are overwritten by the next use. A slot
   * whose references are already null (completions, cancellations) is not written: the write
   * would only make the producer that reuses the slot fetch it back from this core.
   */
  void clear() {
    if (model != null || tenant != null || target != null) {
      model = null;
      tenant = null;
      target = null;
    }
  }
}
