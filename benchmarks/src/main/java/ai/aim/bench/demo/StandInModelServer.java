package ai.aim.bench.demo;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The demo's upstream while this build has no programmatic model-sim server: a small KServe v2 /
 * OpenAI-shaped server on a loopback port (JDK HTTP server). It answers readiness, v2 inference
 * with a fixed small output after a short service time, and chat completions as an SSE stream of a
 * few tokens. It models no GPU capacity; the demo says which upstream it used.
 */
final class StandInModelServer implements AutoCloseable {

  private final HttpServer server;
  private final ExecutorService executor = Executors.newFixedThreadPool(16, r -> {
    Thread t = new Thread(r, "stand-in-model");
    t.setDaemon(true);
    return t;
  });

  StandInModelServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      ex.getRequestBody().readAllBytes();
      String path = ex.getRequestURI().getPath();
      if (path.equals("/v2/health/ready") || path.equals("/v2/health/live")) {
        send(ex, 200, "application/json", "{}");
      } else if (path.startsWith("/v2/models/") && path.endsWith("/infer")) {
        pause(3);
        String model = path.substring("/v2/models/".length(), path.length() - "/infer".length());
        send(ex, 200, "application/json", "{\"model_name\":\"" + model + "\",\"outputs\":[{\"name\":"
            + "\"output-0\",\"shape\":[1,2],\"datatype\":\"FP32\",\"data\":[0.25,0.75]}]}");
      } else if (path.equals("/v1/chat/completions")) {
        ex.getResponseHeaders().set("content-type", "text/event-stream");
        ex.sendResponseHeaders(200, 0);
        OutputStream out = ex.getResponseBody();
        for (int i = 0; i < 8; i++) {
          pause(2);
          out.write(("data: {\"choices\":[{\"delta\":{\"content\":\"t" + i + "\"}}]}\n\n")
              .getBytes(StandardCharsets.UTF_8));
          out.flush();
        }
        out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
        out.close();
      } else {
        send(ex, 404, "application/json", "{\"error\":\"not found\"}");
      }
    }
  }

  private static void send(HttpExchange ex, int status, String type, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("content-type", type);
    ex.sendResponseHeaders(status, b.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(b);
    }
  }

  private static void pause(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
