package ai.aim.bench.demo;

import java.util.List;

/**
 * One kind of demo traffic (HTTP/1.1, h2c, SSE streaming, gRPC ...). The demo runs every source in
 * its list against the sidecar and prints one line per source.
 */
interface TrafficSource {

  /** A short name for the report, e.g. {@code "http/1.1 infer"}. */
  String name();

  /**
   * Sends {@code requests} requests to the sidecar and returns one result per request.
   *
   * @param sidecar base URL of the sidecar's HTTP port, e.g. {@code http://127.0.0.1:41234}
   */
  List<Result> run(String sidecar, int requests) throws Exception;

  /** What one request came back with. */
  record Result(int status, long nanos) {}
}
