package ai.aim.proxy.metrics;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.AbstractSet;
import java.util.Iterator;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The sidecar's registry ({@link AimMetrics#newRegistry()}): a {@link PrometheusMeterRegistry}
 * whose text scrape writes the request and SLO families of its {@link AimMetrics} straight from
 * their arrays, and everything else (JVM, GPU, HTTP, admission meters) through the Prometheus
 * client's writer. The Prometheus client's writer encodes character by character through an
 * {@code OutputStreamWriter}; for the 10 000 samples of 50 models that alone cost tens of
 * milliseconds per scrape.
 *
 * <p>Other formats (OpenMetrics, protobuf) and scrapes of chosen names take the ordinary path,
 * where the same families come from the collector's snapshots. Safe on any thread.
 */
final class AimMeterRegistry extends PrometheusMeterRegistry {
  private final CopyOnWriteArrayList<RequestCollector> direct = new CopyOnWriteArrayList<>();
  private volatile Set<String> directNames = Set.of();
  private static final String TEXT = "text/plain; version=0.0.4; charset=utf-8";
  /** "Every name but the directly written ones", as the included-names set Micrometer asks for. */
  private final Set<String> others = new AbstractSet<>() {
    @Override
    public boolean contains(Object name) {
      return !directNames.contains(name);
    }

    @Override
    public Iterator<String> iterator() {
      throw new UnsupportedOperationException("a complement: only contains() is defined");
    }

    @Override
    public int size() {
      throw new UnsupportedOperationException("a complement: only contains() is defined");
    }
  };

  AimMeterRegistry() {
    super(PrometheusConfig.DEFAULT);
  }

  /** Registers the collector with the Prometheus registry and writes it directly in text scrapes. */
  synchronized void attach(RequestCollector collector) {
    getPrometheusRegistry().register(collector);
    direct.add(collector);
    Set<String> names = new HashSet<>(directNames);
    List<String> added = collector.getPrometheusNames();
    names.addAll(added);
    directNames = Set.copyOf(names);
  }

  @Override
  public String scrape() {
    return new String(text(), StandardCharsets.UTF_8);
  }

  @Override
  public String scrape(String contentType) {
    return isText(contentType) ? scrape() : super.scrape(contentType);
  }

  @Override
  public void scrape(OutputStream out) throws IOException {
    out.write(text());
  }

  @Override
  public void scrape(OutputStream out, String contentType) throws IOException {
    if (isText(contentType)) {
      out.write(text());
    } else {
      super.scrape(out, contentType);
    }
  }

  private boolean isText(String contentType) {
    return contentType == null || contentType.startsWith("text/plain");
  }

  private byte[] text() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(64 * 1024);
    try {
      super.scrape(out, TEXT, others);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    StringBuilder sb = new StringBuilder(1 << 20);
    for (RequestCollector c : direct) {
      c.writeText(sb);
    }
    byte[] ours = sb.toString().getBytes(StandardCharsets.UTF_8);
    out.write(ours, 0, ours.length);
    return out.toByteArray();
  }
}
