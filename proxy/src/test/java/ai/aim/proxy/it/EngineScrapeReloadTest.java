package ai.aim.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import ai.aim.proxy.Sidecar;
import ai.aim.proxy.config.ConfigLoader;
import ai.aim.proxy.engine.ScrapeConfig;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The engine scraper follows config reloads: started, replaced, stopped; a bad value changes nothing. */
class EngineScrapeReloadTest {

  private Sidecar sidecar;

  @AfterEach
  void stop() {
    if (sidecar != null) {
      sidecar.close();
    }
  }

  private static String yaml(String engine) {
    return "http: {bind: 127.0.0.1, port: 0}\n"
        + "grpc: {bind: 127.0.0.1, port: 0}\n"
        + "admin: {bind: 127.0.0.1, port: 0}\n"
        + "eventLoops: 1\n"
        + "upstream: {http: 'http://127.0.0.1:9', grpc: '127.0.0.1:9'}\n"
        + "admission: {engine: " + engine + "}\n"
        + "models: {llama: {}}\n";
  }

  @Test
  void aReloadStartsReplacesAndStopsTheScraperAndABadValueIsRefused() throws Exception {
    AtomicReference<String> file = new AtomicReference<>(yaml("{enabled: false}"));
    sidecar = Sidecar.start(() -> ConfigLoader.parse(file.get(), Map.of()), null, null, null,
        System::nanoTime);
    assertThat(sidecar.engineScrape()).isNull();

    file.set(yaml("{enabled: true}"));
    assertThat(sidecar.reload()).isTrue();
    assertThat(sidecar.engineScrape())
        .isEqualTo(ScrapeConfig.vllm(URI.create("http://127.0.0.1:9/metrics")));

    file.set(yaml("{enabled: true, scrapeIntervalMs: 250, metricsUrl: 'http://127.0.0.1:8/m'}"));
    assertThat(sidecar.reload()).isTrue();
    assertThat(sidecar.engineScrape().scrapeIntervalMillis()).isEqualTo(250);
    assertThat(sidecar.engineScrape().metricsUrl()).isEqualTo(URI.create("http://127.0.0.1:8/m"));

    file.set(yaml("{enabled: true, scrapeIntervalMs: -5}"));
    assertThat(sidecar.reload()).isFalse();
    assertThat(sidecar.engineScrape().scrapeIntervalMillis()).isEqualTo(250);

    file.set(yaml("{enabled: false}"));
    assertThat(sidecar.reload()).isTrue();
    assertThat(sidecar.engineScrape()).isNull();
  }
}
