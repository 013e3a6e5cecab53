package ai.aim.proxy.admin;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Polls the model server's readiness endpoint on a timer; the sidecar is ready while the last poll
 * answered 200 and it is not draining. Readiness goes false first on shutdown, so the endpoints
 * controller stops sending traffic before the listeners close.
 *
 * <p>Its own thread does the polling; the two flags are volatile and may be read anywhere.
 */
public final class ReadinessProbe implements AutoCloseable {

  private final HttpClient client;
  private final URI target;
  private final Duration interval;
  private final ScheduledExecutorService timer;
  private volatile boolean upstreamReady;
  private volatile boolean draining;
  private volatile boolean readyWhileUpstreamStarts;
  private volatile java.util.function.Consumer<Boolean> listener = ready -> { };

  /**
   * @param target the model server's readiness URL, e.g. {@code http://127.0.0.1:8000/v2/health/ready}
   * @param interval time between polls
   */
  public ReadinessProbe(URI target, Duration interval) {
    this.target = target;
    this.interval = interval;
    this.timer =
        Executors.newSingleThreadScheduledExecutor(r -> {
          Thread t = new Thread(r, "aim-readiness");
          t.setDaemon(true);
          return t;
        });
    this.client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(interval.multipliedBy(2))
            .build();
  }

  /** Starts polling (first poll at once). */
  public ReadinessProbe start() {
    timer.scheduleWithFixedDelay(this::poll, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    return this;
  }

  private void poll() {
    try {
      HttpResponse<Void> r =
          client.send(
              HttpRequest.newBuilder(target).timeout(interval.multipliedBy(2)).GET().build(),
              HttpResponse.BodyHandlers.discarding());
      set(r.statusCode() == 200);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      set(false);
    }
  }

  private synchronized void set(boolean ready) {
    boolean changed = ready != upstreamReady;
    upstreamReady = ready;
    if (changed) {
      listener.accept(ready);
    }
  }

  /**
   * Tells {@code l} the model server's readiness now and on every change, on the probe's thread.
   * One listener; a later call replaces it.
   */
  public synchronized void onUpstreamChange(java.util.function.Consumer<Boolean> l) {
    listener = l;
    l.accept(upstreamReady);
  }

  /**
   * With {@code true}, the sidecar reports ready while the model server is still starting, so
   * traffic reaches the pod at once and waits in the sidecar (admission holds it) instead of
   * failing elsewhere; draining still reports not ready.
   */
  public void readyWhileUpstreamStarts(boolean on) {
    readyWhileUpstreamStarts = on;
  }

  /**
   * True while the model server answers its readiness probe (or {@link #readyWhileUpstreamStarts}
   * is on) and the sidecar is not draining.
   */
  public boolean isReady() {
    return (upstreamReady || readyWhileUpstreamStarts) && !draining;
  }

  /** True when the last poll succeeded. */
  public boolean isUpstreamReady() {
    return upstreamReady;
  }

  /** From now on the sidecar reports not ready. */
  public void markDraining() {
    draining = true;
  }

  /** Ends a drain that was meant to be temporary: ready again once the model server is. */
  public void resume() {
    draining = false;
  }

  public boolean isDraining() {
    return draining;
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
