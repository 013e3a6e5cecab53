package ai.aim.proxy.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A small real model server for tests: the JDK's HTTP server on a loopback port 0, with routes the
 * test adds and a record of every request head it received.
 */
public final class TestUpstream implements AutoCloseable {

  /** What the upstream saw of one request. */
  public record Seen(String method, String uri, Map<String, List<String>> headers) {
    public String header(String name) {
      for (Map.Entry<String, List<String>> e : headers.entrySet()) {
        if (e.getKey() != null && e.getKey().equalsIgnoreCase(name)) {
          return String.join(",", e.getValue());
        }
      }
      return null;
    }
  }

  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final List<Seen> seen = new CopyOnWriteArrayList<>();
  private final Map<String, HttpHandler> routes = new ConcurrentHashMap<>();

  public TestUpstream() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    server.setExecutor(executor);
    server.createContext("/", this::dispatch);
    route("/v2/health/ready", ex -> respond(ex, 200, "ready"));
    route("/echo", TestUpstream::echo);
    server.start();
  }

  private void dispatch(HttpExchange ex) throws IOException {
    seen.add(new Seen(ex.getRequestMethod(), ex.getRequestURI().toString(), Map.copyOf(ex.getRequestHeaders())));
    String path = ex.getRequestURI().getPath();
    HttpHandler h = routes.get(path);
    if (h == null) {
      for (Map.Entry<String, HttpHandler> e : routes.entrySet()) {
        if (e.getKey().endsWith("*") && path.startsWith(e.getKey().substring(0, e.getKey().length() - 1))) {
          h = e.getValue();
        }
      }
    }
    if (h == null) {
      respond(ex, 200, "ok " + ex.getRequestMethod() + " " + ex.getRequestURI());
      return;
    }
    try {
      h.handle(ex);
    } catch (IOException | RuntimeException e) {
      System.err.println("test upstream: " + path + " failed: " + e);
      throw e;
    } finally {
      ex.close();
    }
  }

  /** Adds a route; a path ending in {@code *} matches by prefix. */
  public TestUpstream route(String path, HttpHandler handler) {
    routes.put(path, handler);
    return this;
  }

  public static void respond(HttpExchange ex, int status, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    try {
      ex.getRequestBody().readAllBytes();
    } catch (IOException alreadyRead) {
      // the route consumed and closed the body itself
    }
    ex.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
    if (b.length > 0) {
      try (OutputStream out = ex.getResponseBody()) {
        out.write(b);
      }
    }
  }

  /** Streams the request body back as it arrives (chunked). */
  public static void echo(HttpExchange ex) throws IOException {
    ex.sendResponseHeaders(200, 0);
    byte[] buf = new byte[64 * 1024];
    try (InputStream in = ex.getRequestBody(); OutputStream out = ex.getResponseBody()) {
      int n;
      while ((n = in.read(buf)) > 0) {
        out.write(buf, 0, n);
      }
    }
  }

  public int port() {
    return server.getAddress().getPort();
  }

  public String url() {
    return "http://127.0.0.1:" + port();
  }

  public List<Seen> seen() {
    return seen;
  }

  /** The last request that came through the sidecar (the readiness probe's polls do not count). */
  public Seen last() {
    for (int i = seen.size() - 1; i >= 0; i--) {
      if (seen.get(i).header("x-forwarded-for") != null) {
        return seen.get(i);
      }
    }
    throw new AssertionError("no request came through the sidecar");
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
