package ai.aim.bench.load;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * A light second client beside the JDK HttpClient load: one platform thread sends requests of one
 * class at fixed intervals over one persistent HTTP/1.1 connection on a blocking {@link Socket}
 * (TCP_NODELAY), one request in flight at a time, and reads each whole response itself. It exists
 * to measure what a shed answer costs without the HttpClient's selector thread, executor and
 * future chains in between.
 *
 * <p>The intended send times are planned up front (one every 1/rate from the run's start); the
 * request bytes are built once before the first. Each request's latency runs from its intended
 * time to the last byte of its response (coordinated-omission corrected: a response slower than
 * the interval delays the next request, and that delay counts), and raw from the write. Requests
 * whose intended time is still ahead when the run's span plus one request timeout has passed are
 * not sent and counted as such, so a target that hangs bounds the probe at about span + two
 * timeouts.
 *
 * <p>Threads: {@link #start} starts the probe thread, which alone writes the counters and
 * histograms; {@link #finish} joins it and only then reads them.
 */
final class ProbeRun {

  static final String USER_AGENT = "aim-bench-probe";
  /** The last stretch before an intended time is spun rather than parked: parking overshoots. */
  private static final long SPIN_NANOS = 100_000;

  private final ProbeSpec spec;
  private final long durationNanos;
  private final InetSocketAddress address;
  private final byte[] request;
  private final long timeoutNanos;
  private final Thread thread;
  private volatile boolean stopped;
  private long startNanos;

  // Written by the probe thread only; read after join.
  private final Histogram okCorrected = new Histogram(ClassStats.MAX_MICROS, 3);
  private final Histogram okRaw = new Histogram(ClassStats.MAX_MICROS, 3);
  private final Histogram shedCorrected = new Histogram(ClassStats.MAX_MICROS, 3);
  private final Histogram shedRaw = new Histogram(ClassStats.MAX_MICROS, 3);
  private final Histogram shedOnArrivalCorrected = new Histogram(ClassStats.MAX_MICROS, 3);
  private final Histogram shedOnArrivalRaw = new Histogram(ClassStats.MAX_MICROS, 3);
  /** From each request's intended time to its write: the probe's own lateness, whatever the answer. */
  private final Histogram sendLag = new Histogram(ClassStats.MAX_MICROS, 3);
  private final Map<String, Long> shedByReason = new TreeMap<>();
  private final Map<String, Long> otherByKind = new TreeMap<>();
  private long sent;
  private long other;
  private long ioErrors;
  private long unsent;
  private long connections;
  private Socket socket;
  private ResponseReader reader;

  /**
   * @param options the main load's target, model and request timeout
   * @param plan the probe's rate, class, span and request sizes
   */
  ProbeRun(LoadRun.Options options, ProbePlan plan) {
    if (!"http".equalsIgnoreCase(options.target().getScheme())) {
      throw new IllegalArgumentException("probe target: " + options.target() + " (expected: http://, the probe speaks plain HTTP/1.1)");
    }
    this.spec = plan.spec();
    this.durationNanos = plan.durationNanos();
    int port = options.target().getPort() < 0 ? 80 : options.target().getPort();
    this.address = new InetSocketAddress(options.target().getHost(), port);
    this.request = RequestShape.http11(options, plan.request(), USER_AGENT);
    this.timeoutNanos = options.requestTimeout().toNanos();
    this.thread = new Thread(this::loop, "aim-load-probe");
    this.thread.setDaemon(true);
  }

  /** Starts the probe thread; its intended times count from {@code runStartNanos}. */
  void start(long runStartNanos) {
    this.startNanos = runStartNanos;
    thread.start();
  }

  /** Waits for the probe thread (bounded) and returns its figures. */
  LoadResult.Probe finish() throws InterruptedException {
    long bound = Math.max(0, startNanos + durationNanos + 2 * timeoutNanos - System.nanoTime());
    thread.join(Duration.ofNanos(bound).plusSeconds(5).toMillis());
    if (thread.isAlive()) {
      // Only a broken bound gets here: stop the thread and wait for it to let go of the figures.
      stopped = true;
      closeQuietly();
      thread.interrupt();
      thread.join();
    }
    return LoadResult.Probe.of(spec, spec.count(durationNanos), sent, other, ioErrors, unsent,
        Math.max(0, connections - 1), okCorrected, okRaw, shedCorrected, shedRaw,
        shedOnArrivalCorrected, shedOnArrivalRaw, sendLag, shedByReason, otherByKind);
  }

  private void loop() {
    long n = spec.count(durationNanos);
    long lastSendBy = startNanos + durationNanos + timeoutNanos;
    try {
      for (long i = 0; i < n && !stopped; i++) {
        long intended = startNanos + spec.offsetNanos(i);
        if (System.nanoTime() - lastSendBy > 0) {
          unsent = n - i;
          break;
        }
        waitUntil(intended);
        exchange(intended, i + 1 < n);
      }
    } finally {
      closeQuietly();
    }
  }

  /**
   * One request and its response; failures are counted, never thrown. With {@code more} requests
   * to come, a connection that cannot carry another is replaced at once.
   */
  private void exchange(long intended, boolean more) {
    sent++;
    try {
      if (socket == null) {
        connect();
      }
      long actual = System.nanoTime();
      sendLag.recordValue(clamp((actual - intended) / 1000));
      deadline = actual + timeoutNanos;
      OutputStream out = socket.getOutputStream();
      out.write(request);
      out.flush();
      ResponseReader.Response r = reader.read();
      long end = System.nanoTime();
      record(r, (end - intended) / 1000, (end - actual) / 1000);
      if (r.close()) {
        closeQuietly();
        if (more) {
          reconnectQuietly();
        }
      }
    } catch (IOException e) {
      other++;
      ioErrors++;
      otherByKind.merge(e instanceof SocketTimeoutException ? "timeout" : "io", 1L, Long::sum);
      // The connection's state is unknown (a late answer may still arrive): start afresh.
      closeQuietly();
      if (more) {
        reconnectQuietly();
      }
    }
  }

  private void record(ResponseReader.Response r, long correctedMicros, long rawMicros) {
    long c = clamp(correctedMicros);
    long w = clamp(rawMicros);
    if (r.status() >= 200 && r.status() < 300) {
      okCorrected.recordValue(c);
      okRaw.recordValue(w);
    } else if (r.status() == 429) {
      String reason = LoadRun.reasonOf(r.bodyHead());
      shedByReason.merge(reason, 1L, Long::sum);
      shedCorrected.recordValue(c);
      shedRaw.recordValue(w);
      if (!reason.contains("timeout")) {
        shedOnArrivalCorrected.recordValue(c);
        shedOnArrivalRaw.recordValue(w);
      }
    } else {
      other++;
      otherByKind.merge(Integer.toString(r.status()), 1L, Long::sum);
    }
  }

  /** A new connection right after the old one closed keeps its set-up out of the next request. */
  private void reconnectQuietly() {
    if (stopped) {
      return;
    }
    try {
      connect();
    } catch (IOException e) {
      closeQuietly(); // The next request tries again and counts the failure.
    }
  }

  private long deadline;

  private void connect() throws IOException {
    Socket s = new Socket();
    s.setTcpNoDelay(true);
    try {
      s.connect(address, (int) Math.min(Integer.MAX_VALUE, Math.max(1, timeoutNanos / 1_000_000)));
    } catch (IOException e) {
      s.close();
      throw e;
    }
    connections++;
    socket = s;
    reader = new ResponseReader(new DeadlineInput(s));
  }

  private void closeQuietly() {
    Socket s = socket;
    socket = null;
    reader = null;
    if (s != null) {
      try {
        s.close();
      } catch (IOException e) {
        // Nothing to do: the socket is being dropped.
      }
    }
  }

  private static void waitUntil(long intended) {
    long wait;
    while ((wait = intended - System.nanoTime()) > SPIN_NANOS) {
      LockSupport.parkNanos(wait - SPIN_NANOS);
    }
    while (intended - System.nanoTime() > 0) {
      Thread.onSpinWait();
    }
  }

  private static long clamp(long micros) {
    return Math.max(1, Math.min(ClassStats.MAX_MICROS, micros));
  }

  /** The socket's input with each read bounded by what is left of the current request's timeout. */
  private final class DeadlineInput extends InputStream {
    private final Socket s;
    private final InputStream in;

    DeadlineInput(Socket s) throws IOException {
      this.s = s;
      this.in = s.getInputStream();
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new SocketTimeoutException("probe request timed out");
      }
      s.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, left / 1_000_000)));
      return in.read(b, off, len);
    }
  }
}
