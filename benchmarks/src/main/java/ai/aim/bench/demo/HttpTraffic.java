package ai.aim.bench.demo;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;

/**
 * Demo traffic over the JDK HttpClient: a fixed number of requests, a few at a time, each one
 * timed from send to the last body byte.
 */
final class HttpTraffic implements TrafficSource {

  private final String name;
  private final HttpClient.Version version;
  private final int concurrency;
  private final BiFunction<String, Integer, HttpRequest> request;

  HttpTraffic(String name, HttpClient.Version version, int concurrency,
      BiFunction<String, Integer, HttpRequest> request) {
    this.name = name;
    this.version = version;
    this.concurrency = concurrency;
    this.request = request;
  }

  /** KServe v2 inference requests with a small JSON tensor, priorities rotating. */
  static HttpTraffic kserveV2(String name, HttpClient.Version version, String model) {
    String[] priorities = {"high", "medium", "low"};
    String body = "{\"inputs\":[{\"name\":\"input-0\",\"shape\":[1,4],\"datatype\":\"FP32\","
        + "\"data\":[0.1,0.2,0.3,0.4]}]}";
    return new HttpTraffic(name, version, 8, (base, i) -> HttpRequest.newBuilder()
        .uri(URI.create(base + "/v2/models/" + model + "/infer"))
        .header("content-type", "application/json")
        .header("x-aim-priority", priorities[i % 3])
        .header("x-aim-deadline-ms", "5000")
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build());
  }

  /** OpenAI chat completions with SSE streaming; the model travels in {@code x-aim-model}. */
  static HttpTraffic openAiStream(String name, String model) {
    String body = "{\"model\":\"" + model + "\",\"stream\":true,\"max_tokens\":16,"
        + "\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}";
    return new HttpTraffic(name, HttpClient.Version.HTTP_1_1, 4, (base, i) -> HttpRequest.newBuilder()
        .uri(URI.create(base + "/v1/chat/completions"))
        .header("content-type", "application/json")
        .header("x-aim-model", model)
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build());
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public List<Result> run(String sidecar, int requests) throws Exception {
    HttpClient client = HttpClient.newBuilder().version(version).connectTimeout(Duration.ofSeconds(5)).build();
    List<Result> results = new ArrayList<>(requests);
    for (int start = 0; start < requests; start += concurrency) {
      List<CompletableFuture<Result>> wave = new ArrayList<>();
      for (int i = start; i < Math.min(requests, start + concurrency); i++) {
        HttpRequest r = request.apply(sidecar, i);
        long t0 = System.nanoTime();
        wave.add(client.sendAsync(r, HttpResponse.BodyHandlers.ofByteArray())
            .thenApply(resp -> new Result(resp.statusCode(), System.nanoTime() - t0))
            .exceptionally(e -> new Result(-1, System.nanoTime() - t0)));
      }
      for (CompletableFuture<Result> f : wave) {
        results.add(f.join());
      }
    }
    return results;
  }
}
