package ai.aim.sim;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class TestSupportEndpointsTest {
  static ModelSim sim;

  @BeforeAll
  static void start() {
    sim = ModelSim.start(SimConfig.builder().host("127.0.0.1").httpPort(0).grpcPort(-1).build());
  }

  @AfterAll
  static void stop() {
    sim.close();
  }

  /** A generated body of {@code size} bytes, streamed without ever existing in memory whole. */
  static InputStream generated(long size) {
    return new InputStream() {
      long pos;

      @Override
      public int read() {
        return pos < size ? (int) (pos++ * 31 % 256) : -1;
      }

      @Override
      public int read(byte[] b, int off, int len) {
        if (pos >= size) {
          return -1;
        }
        int n = (int) Math.min(len, size - pos);
        for (int i = 0; i < n; i++) {
          b[off + i] = (byte) (pos++ * 31 % 256);
        }
        return n;
      }
    };
  }

  /**
   * A client whose connection already speaks {@code v}: for HTTP/2 a first small request makes
   * the h2c upgrade (a large upload would be answered over HTTP/1.1 instead, by design).
   */
  static HttpClient connected(HttpClient.Version v) throws Exception {
    HttpClient c = HttpClient.newBuilder().version(v).build();
    HttpResponse<String> warm = c.send(
        HttpRequest.newBuilder(URI.create(sim.httpBaseUrl() + "/v2/health/live")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(warm.version()).isEqualTo(v);
    return c;
  }

  @ParameterizedTest
  @EnumSource(HttpClient.Version.class)
  void sinkCountsAndChecksumsALargeStreamedBody(HttpClient.Version v) throws Exception {
    long size = 24L * 1024 * 1024 + 17;
    CRC32 expected = new CRC32();
    try (InputStream in = generated(size)) {
      byte[] buf = new byte[65536];
      for (int n; (n = in.read(buf)) > 0; ) {
        expected.update(buf, 0, n);
      }
    }
    HttpClient client = connected(v);
    HttpResponse<String> r = client.send(
        HttpRequest.newBuilder(URI.create(sim.httpBaseUrl() + "/sim/sink"))
            .POST(HttpRequest.BodyPublishers.fromPublisher(
                HttpRequest.BodyPublishers.ofInputStream(() -> generated(size)), size))
            .build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.version()).isEqualTo(v);
    JsonNode j = new ObjectMapper().readTree(r.body());
    assertThat(j.get("bytes").asLong()).isEqualTo(size);
    assertThat(j.get("crc32").asLong()).isEqualTo(expected.getValue());
  }

  @org.junit.jupiter.api.Test
  void aLargeUploadThatWouldOpenH2cIsServedOverHttp11Instead() throws Exception {
    long size = 2L * 1024 * 1024;
    HttpResponse<String> r = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build().send(
        HttpRequest.newBuilder(URI.create(sim.httpBaseUrl() + "/sim/sink"))
            .POST(HttpRequest.BodyPublishers.fromPublisher(
                HttpRequest.BodyPublishers.ofInputStream(() -> generated(size)), size))
            .build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
    assertThat(new ObjectMapper().readTree(r.body()).get("bytes").asLong()).isEqualTo(size);
  }

  @ParameterizedTest
  @EnumSource(HttpClient.Version.class)
  void bytesStreamsTheRequestedCountOfTheDocumentedPattern(HttpClient.Version v) throws Exception {
    long n = 5L * 1024 * 1024 + 3;
    HttpResponse<InputStream> r = connected(v).send(
        HttpRequest.newBuilder(URI.create(sim.httpBaseUrl() + "/sim/bytes?n=" + n)).build(),
        HttpResponse.BodyHandlers.ofInputStream());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.version()).isEqualTo(v);
    long count = 0;
    long mismatches = 0;
    try (InputStream in = r.body()) {
      byte[] buf = new byte[65536];
      for (int k; (k = in.read(buf)) > 0; ) {
        for (int i = 0; i < k; i++) {
          if (buf[i] != (byte) ((count + i) % 251)) {
            mismatches++;
          }
        }
        count += k;
      }
    }
    assertThat(count).isEqualTo(n);
    assertThat(mismatches).isZero();
  }
}
