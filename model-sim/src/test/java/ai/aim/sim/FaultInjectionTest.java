package ai.aim.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class FaultInjectionTest {
  static final String BODY = "{\"prompt\": \"x\", \"max_tokens\": 200}";

  static SimConfig.Builder base() {
    return SimConfig.builder().host("127.0.0.1").httpPort(0).grpcPort(-1).serviceMs(1);
  }

  static HttpRequest completion(ModelSim sim) {
    return HttpRequest.newBuilder(URI.create(sim.httpBaseUrl() + "/v1/completions"))
        .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofString(BODY)).build();
  }

  @Test
  void failRateOneAnswersEveryInferenceWith500() throws Exception {
    try (ModelSim sim = ModelSim.start(base().failRate(1).build())) {
      HttpResponse<String> r = HttpClient.newHttpClient().send(completion(sim), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(500);
      assertThat(sim.stats().failed()).isEqualTo(1);
      HttpResponse<String> health = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create(sim.httpBaseUrl() + "/v2/health/live")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(health.statusCode()).isEqualTo(200);
    }
  }

  @Test
  void failRateAppliesToGrpcToo() throws Exception {
    try (ModelSim sim = ModelSim.start(base().grpcPort(0).failRate(1).build())) {
      io.grpc.ManagedChannel ch = io.grpc.netty.NettyChannelBuilder
          .forAddress("127.0.0.1", sim.grpcPort()).usePlaintext().build();
      try {
        var stub = ai.aim.sim.v2.GRPCInferenceServiceGrpc.newBlockingStub(ch)
            .withDeadlineAfter(10, java.util.concurrent.TimeUnit.SECONDS);
        assertThatThrownBy(() -> stub.modelInfer(GrpcServiceTest.request("demo", -1)))
            .isInstanceOfSatisfying(io.grpc.StatusRuntimeException.class, e ->
                assertThat(e.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.INTERNAL));
        assertThat(stub.serverLive(ai.aim.sim.v2.ServerLiveRequest.getDefaultInstance()).getLive()).isTrue();
        assertThat(sim.stats().failed()).isEqualTo(1);
      } finally {
        ch.shutdownNow();
      }
    }
  }

  @Test
  void hangAcceptsButNeverAnswers() throws Exception {
    try (ModelSim sim = ModelSim.start(base().hang(true).build());
        RawHttp pending = RawHttp.post(sim.httpPort(), "/v1/completions", BODY)) {
      await().atMost(Duration.ofSeconds(10)).until(() -> sim.stats().requests() == 1);
      assertThat(sim.stats().completed()).isZero();
      assertThatThrownBy(() -> HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create(sim.httpBaseUrl() + "/v1/completions"))
              .timeout(Duration.ofMillis(300)).POST(HttpRequest.BodyPublishers.ofString(BODY)).build(),
          HttpResponse.BodyHandlers.ofString()))
          .isInstanceOf(java.net.http.HttpTimeoutException.class);
    }
  }

  @Test
  void resetAfterBytesClosesTheConnectionMidResponse() {
    try (ModelSim sim = ModelSim.start(base().resetAfterBytes(100).build())) {
      assertThatThrownBy(() -> HttpClient.newHttpClient().send(completion(sim), HttpResponse.BodyHandlers.ofString()))
          .isInstanceOf(IOException.class);
      assertThatThrownBy(() -> HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create(sim.httpBaseUrl() + "/sim/bytes?n=100000")).build(),
          HttpResponse.BodyHandlers.ofByteArray()))
          .isInstanceOf(IOException.class);
    }
  }
}
