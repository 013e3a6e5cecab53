package ai.aim.bench.overhead;

import ai.aim.proxy.ProxyServer;
import ai.aim.proxy.config.AdminConfig;
import ai.aim.proxy.config.HttpConfig;
import ai.aim.proxy.config.ProxyConfig;
import ai.aim.proxy.config.UpstreamConfig;
import ai.aim.proxy.grpc.GrpcProxy;
import ai.aim.proxy.transport.Transport;
import java.net.URI;
import java.util.concurrent.CountDownLatch;

/**
 * The sidecar's request path for the overhead comparison, composed from its public parts while
 * the sidecar's own command line is not available: the HTTP side ({@link ProxyServer}) and the
 * gRPC pass-through ({@link GrpcProxy}) on the same event loops, with their default admission
 * (admit all) and default observers, so the figure is the forwarding cost.
 *
 * <p>Usage: {@code java -cp aim-bench.jar ai.aim.bench.overhead.SidecarRunner HTTP_PORT GRPC_PORT
 * ADMIN_PORT UPSTREAM_HTTP_URL UPSTREAM_GRPC_HOST:PORT EVENT_LOOPS}. Listens on 127.0.0.1 only;
 * runs until killed.
 */
public final class SidecarRunner {

  private SidecarRunner() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 6) {
      System.err.println(
          "usage: SidecarRunner HTTP_PORT GRPC_PORT ADMIN_PORT UPSTREAM_HTTP_URL UPSTREAM_GRPC EVENT_LOOPS");
      System.exit(2);
    }
    ProxyConfig config =
        ProxyConfig.defaults()
            .withHttp(HttpConfig.defaults().withBind("127.0.0.1").withPort(Integer.parseInt(args[0])))
            .withAdmin(AdminConfig.defaults().withBind("127.0.0.1").withPort(Integer.parseInt(args[2])))
            .withUpstream(UpstreamConfig.defaults().withHttp(URI.create(args[3])))
            .withEventLoops(Integer.parseInt(args[5]));
    ProxyServer http = ProxyServer.builder(config).start();
    Transport t = http.transport();
    GrpcProxy grpc =
        GrpcProxy.builder()
            .bindHost("127.0.0.1")
            .port(Integer.parseInt(args[1]))
            .eventLoops(t.bossGroup(), t.workerGroup(), t.serverChannelClass(), t.socketChannelClass())
            .upstream(args[4])
            .build()
            .start();
    System.out.println(
        "sidecar: http 127.0.0.1:" + http.httpPort() + " -> " + args[3] + ", grpc 127.0.0.1:"
            + grpc.port() + " -> " + args[4] + ", transport " + t.name());
    CountDownLatch stop = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  grpc.close();
                  http.close();
                  stop.countDown();
                }));
    stop.await();
  }
}
