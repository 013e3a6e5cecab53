package ai.aim.bench.admission;

import ai.aim.proxy.admission.AdmissionCallback;
import ai.aim.proxy.admission.Rejection;

/** A callback that only counts, on whichever thread calls it (no allocation, no hop). */
final class Noop implements AdmissionCallback {
  long admitted;
  long rejected;

  @Override
  public void onAdmitted(long ticket, long queueWaitNanos) {
    admitted++;
  }

  @Override
  public void onRejected(long ticket, Rejection rejection) {
    rejected++;
  }
}
