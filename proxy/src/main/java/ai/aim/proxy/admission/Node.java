package ai.aim.proxy.admission;

/**
 * One outstanding request, pooled and reused. Owned by the admission thread; links it into a
 * tenant's FIFO ({@code tPrev}/{@code tNext}) and its class's arrival-order FIFO ({@code
 * bPrev}/{@code bNext}) while queued.
 */
final class Node {
  static final int FREE = 0;
  static final int QUEUED = 1;
  static final int INFLIGHT = 2;

  long ticket;
  int state;
  ModelState model;
  Band band;
  Tenant tenant;
  long cost;
  long deadline;
  long arrival;
  AdmissionCallback callback;
  double startTag;
  double finishTag;
  Node tPrev;
  Node tNext;
  Node bPrev;
  Node bNext;
  Node poolNext;

  void clear() {
    ticket = -1;
    state = FREE;
    model = null;
    band = null;
    tenant = null;
    callback = null;
    tPrev = tNext = bPrev = bNext = null;
  }
}
