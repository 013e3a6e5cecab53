package ai.aim.bench.overhead;

import ai.aim.proxy.grpc.GrpcProxy;
import java.io.IOException;
import java.util.concurrent.CountDownLatch;

/**
 * The sidecar's gRPC pass-through on its own, started through its public builder with its own
 * event loops, for the overhead comparison while the sidecar's full command line is not
 * available. Default admission (admit all) and no observer: the figure is the forwarding cost.
 *
 * <p>Usage: {@code java -cp aim-bench.jar ai.aim.bench.overhead.GrpcProxyRunner PORT
 * UPSTREAM_HOST:PORT [EVENT_LOOPS]}. Listens on 127.0.0.1 only; runs until killed.
 */
public final class GrpcProxyRunner {

  private GrpcProxyRunner() {}

  public static void main(String[] args) throws IOException, InterruptedException {
    if (args.length < 2) {
      System.err.println("usage: GrpcProxyRunner PORT UPSTREAM_HOST:PORT [EVENT_LOOPS]");
      System.exit(2);
    }
    GrpcProxy proxy =
        GrpcProxy.builder()
            .bindHost("127.0.0.1")
            .port(Integer.parseInt(args[0]))
            .upstream(args[1])
            .ownEventLoops(args.length > 2 ? Integer.parseInt(args[2]) : 1)
            .build()
            .start();
    System.out.println("grpc proxy listening on 127.0.0.1:" + proxy.port() + " -> " + args[1]);
    CountDownLatch stop = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      proxy.close();
      stop.countDown();
    }));
    stop.await();
  }
}
