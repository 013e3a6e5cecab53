package ai.aim.proxy.admission;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongConsumer;

/** Records every callback per ticket, and fails loudly on a second callback for one ticket. */
final class Recorder implements AdmissionCallback {
  final Map<Long, Integer> calls = new HashMap<>();
  final Set<Long> admitted = new LinkedHashSet<>();
  final Map<Long, Rejection> rejected = new HashMap<>();
  final List<Long> admitOrder = new ArrayList<>();
  final Set<Long> cancelled = new LinkedHashSet<>();
  final List<String> violations = new ArrayList<>();
  LongConsumer onAdmit = t -> {};

  @Override
  public void onAdmitted(long ticket, long queueWaitNanos) {
    count(ticket);
    if (cancelled.contains(ticket)) {
      violations.add("ticket " + ticket + " admitted after cancel");
    }
    if (queueWaitNanos < 0) {
      violations.add("negative queue wait for " + ticket);
    }
    admitted.add(ticket);
    admitOrder.add(ticket);
    onAdmit.accept(ticket);
  }

  @Override
  public void onRejected(long ticket, Rejection rejection) {
    count(ticket);
    if (cancelled.contains(ticket)) {
      violations.add("ticket " + ticket + " rejected after cancel");
    }
    long s = rejection.retryAfterMillis();
    if (s < 1000 || s > 60_000 || s % 1000 != 0) {
      violations.add("retryAfter " + s + " outside [1 s, 60 s] whole seconds");
    }
    rejected.put(ticket, rejection);
  }

  private void count(long ticket) {
    int n = calls.merge(ticket, 1, Integer::sum);
    if (n > 1) {
      violations.add("ticket " + ticket + " got " + n + " callbacks");
    }
  }

  boolean answered(long ticket) {
    return calls.containsKey(ticket);
  }

  RejectReason reason(long ticket) {
    Rejection r = rejected.get(ticket);
    return r == null ? null : r.reason();
  }
}
