package ai.aim.proxy.admission;

/**
 * The queue of one priority class of one model. Owned by the admission thread.
 *
 * <p>Two intrusive orders over the same nodes: arrival order (for queue-wait expiry and aging,
 * whose oldest request is always the head) and, per tenant, FIFOs served by weighted fair
 * queuing: each request gets a start tag {@code max(virtualTime, tenant's last finish)} and a
 * finish tag {@code start + cost / weight}; the head with the smallest finish tag goes first, and
 * the virtual time advances to the start tag of each dispatched request. Nothing here allocates
 * except growing the active-tenant array when a new tenant first appears.
 */
final class Band {
  final Priority priority;
  final int index;
  Node oldest;
  Node newest;
  int depth;
  int inflight;
  int withDeadline;
  double virtualTime;
  /** Stride-scheduling pass for {@link SchedulingMode#WEIGHTED}. */
  double pass;
  private Tenant[] active = new Tenant[8];
  private int activeCount;

  /** {@link #overflowAt} before the class ever overflowed. */
  static final long NEVER = Long.MIN_VALUE;
  /**
   * When the class last refused a request for a full queue or an expired queue wait ({@link
   * #NEVER} if it never did): the overflow that {@link ModelPolicy#shedWhileHigherOverflows()}
   * looks at.
   */
  long overflowAt = NEVER;

  long arrivals;
  long admitted;
  final long[] shed = new long[RejectReason.values().length];
  final RateMeter arrivalRate;
  final RateMeter admitRate;
  final RateMeter shedRate;
  private final Rejection[][] rejections = new Rejection[RejectReason.values().length][];

  Band(Priority priority, long now) {
    this.priority = priority;
    this.index = priority.ordinal();
    arrivalRate = new RateMeter(now);
    admitRate = new RateMeter(now);
    shedRate = new RateMeter(now);
  }

  /** Appends a node to the arrival order and to its tenant's FIFO, tagging it for WFQ. */
  void enqueue(Node n) {
    Tenant t = n.tenant;
    double start = Math.max(virtualTime, t.lastFinish[index]);
    n.startTag = start;
    n.finishTag = start + (double) n.cost / t.weight;
    t.lastFinish[index] = n.finishTag;
    // tenant FIFO
    n.tPrev = t.tail[index];
    n.tNext = null;
    if (t.tail[index] == null) {
      t.head[index] = n;
    } else {
      t.tail[index].tNext = n;
    }
    t.tail[index] = n;
    if (t.depth[index]++ == 0) {
      activate(t);
    }
    // arrival order
    n.bPrev = newest;
    n.bNext = null;
    if (newest == null) {
      oldest = n;
    } else {
      newest.bNext = n;
    }
    newest = n;
    depth++;
    if (n.deadline != AdmissionController.NO_DEADLINE) {
      withDeadline++;
    }
  }

  /** Unlinks a queued node from both orders. */
  void remove(Node n) {
    Tenant t = n.tenant;
    if (n.tPrev == null) {
      t.head[index] = n.tNext;
    } else {
      n.tPrev.tNext = n.tNext;
    }
    if (n.tNext == null) {
      t.tail[index] = n.tPrev;
    } else {
      n.tNext.tPrev = n.tPrev;
    }
    if (--t.depth[index] == 0) {
      deactivate(t);
    }
    if (n.bPrev == null) {
      oldest = n.bNext;
    } else {
      n.bPrev.bNext = n.bNext;
    }
    if (n.bNext == null) {
      newest = n.bPrev;
    } else {
      n.bNext.bPrev = n.bPrev;
    }
    n.tPrev = n.tNext = n.bPrev = n.bNext = null;
    depth--;
    if (n.deadline != AdmissionController.NO_DEADLINE) {
      withDeadline--;
    }
  }

  /** The queued node WFQ serves next (smallest finish tag among tenant heads), or null. */
  Node peekFair() {
    Node best = null;
    for (int i = 0; i < activeCount; i++) {
      Node h = active[i].head[index];
      if (best == null || h.finishTag < best.finishTag) {
        best = h;
      }
    }
    return best;
  }

  /** Records that {@code n} is being dispatched: advances the virtual time. */
  void onDispatch(Node n) {
    if (n.startTag > virtualTime) {
      virtualTime = n.startTag;
    }
  }

  private void activate(Tenant t) {
    if (activeCount == active.length) {
      Tenant[] bigger = new Tenant[active.length * 2];
      System.arraycopy(active, 0, bigger, 0, activeCount);
      active = bigger;
    }
    t.activeIndex[index] = activeCount;
    active[activeCount++] = t;
  }

  private void deactivate(Tenant t) {
    int i = t.activeIndex[index];
    Tenant last = active[--activeCount];
    active[i] = last;
    last.activeIndex[index] = i;
    active[activeCount] = null;
    t.activeIndex[index] = -1;
  }

  int activeTenants() {
    return activeCount;
  }

  /**
   * The interned refusal for a reason and a whole number of seconds in [1, 60]; allocates only the
   * first time a combination occurs.
   */
  Rejection rejection(RejectReason reason, String model, int seconds) {
    Rejection[] bySeconds = rejections[reason.ordinal()];
    if (bySeconds == null) {
      bySeconds = new Rejection[61];
      rejections[reason.ordinal()] = bySeconds;
    }
    Rejection r = bySeconds[seconds];
    if (r == null) {
      r = new Rejection(reason, priority, model, seconds * 1000L);
      bySeconds[seconds] = r;
    }
    return r;
  }
}
