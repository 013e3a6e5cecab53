package ai.aim.proxy.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class WriterSlotsTest {

  @Test
  void liveThreadsGetDistinctSlotsAndThoseBeyondTheExclusiveOnesShareOne() throws Exception {
    int threads = WriterSlots.EXCLUSIVE + 6;
    AtomicIntegerArray slots = new AtomicIntegerArray(threads);
    CountDownLatch claimed = new CountDownLatch(threads);
    CountDownLatch release = new CountDownLatch(1);
    List<Thread> started = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int me = t;
      Thread th =
          new Thread(
              () -> {
                slots.set(me, WriterSlots.current());
                claimed.countDown();
                try {
                  release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              });
      th.start();
      started.add(th);
    }
    assertThat(claimed.await(30, TimeUnit.SECONDS)).isTrue();
    Set<Integer> exclusive = new HashSet<>();
    int shared = 0;
    for (int t = 0; t < threads; t++) {
      int s = slots.get(t);
      assertThat(s).isBetween(0, WriterSlots.SHARED);
      if (s == WriterSlots.SHARED) {
        shared++;
      } else {
        assertThat(exclusive.add(s)).as("slot %d given to two live threads", s).isTrue();
      }
    }
    // Other threads of this JVM may hold slots too, so at least this many share.
    assertThat(shared).isGreaterThanOrEqualTo(threads - WriterSlots.EXCLUSIVE);
    release.countDown();
    for (Thread th : started) {
      th.join(30_000);
    }

    // The slots of terminated threads are taken over.
    int[] next = new int[1];
    Thread later = new Thread(() -> next[0] = WriterSlots.current());
    later.start();
    later.join(30_000);
    assertThat(next[0]).isBetween(0, WriterSlots.EXCLUSIVE - 1);
  }

  @Test
  void aHistogramSumsEveryThreadsCountsIncludingTheSharedSlot() throws Exception {
    RequestHistogram h = new RequestHistogram(RequestHistogram.boundsNanos(new Duration[] {
      Duration.ofMillis(1), Duration.ofMillis(10)
    }));
    int perThread = 50_000;
    List<Thread> writers = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      boolean shared = t >= 2;
      Thread th =
          new Thread(
              () -> {
                for (int i = 0; i < perThread; i++) {
                  long v = (i % 3) * 5_000_000L; // 0 ms, 5 ms, 10 ms
                  if (shared) {
                    h.record(v, WriterSlots.SHARED);
                  } else {
                    h.record(v);
                  }
                }
              });
      th.start();
      writers.add(th);
    }
    for (Thread th : writers) {
      th.join(30_000);
    }
    long[] buckets = new long[h.buckets()];
    long count = h.readBuckets(buckets);
    assertThat(count).isEqualTo(4L * perThread).isEqualTo(h.count());
    int third = (perThread + 2) / 3;
    assertThat(buckets[0]).isEqualTo(4L * third); // 0 ms <= 1 ms
    assertThat(buckets[1]).isEqualTo(4L * ((perThread + 1) / 3) + 4L * (perThread / 3)); // 5 and 10 ms
    assertThat(buckets[2]).isZero();
    assertThat(h.sumNanos()).isEqualTo(4L * ((perThread + 1) / 3) * 5_000_000L + 4L * (perThread / 3) * 10_000_000L);
    assertThat(h.maxNanos()).isEqualTo(10_000_000L);

    h.rotateMax();
    assertThat(h.maxNanos()).as("the previous window still counts").isEqualTo(10_000_000L);
    h.record(2_000_000L);
    h.rotateMax();
    assertThat(h.maxNanos()).isEqualTo(2_000_000L);
    h.rotateMax();
    assertThat(h.maxNanos()).isZero();
  }
}
