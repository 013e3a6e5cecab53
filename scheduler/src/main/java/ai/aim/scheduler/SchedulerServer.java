package ai.aim.scheduler;

import io.grpc.BindableService;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The scheduler's gRPC server: one port serving every {@link BindableService} given (the sidecar
 * protocol, KEDA's external scaler, ...). Keep-alive pings from sidecars are allowed every 10 s so
 * that they can detect a lost scheduler. Thread-safe; start once, close once.
 */
public final class SchedulerServer implements AutoCloseable {
    private final Server server;

    public SchedulerServer(int port, List<BindableService> services) {
        ServerBuilder<?> b = Grpc.newServerBuilderForPort(port, InsecureServerCredentials.create())
                .permitKeepAliveTime(10, TimeUnit.SECONDS)
                .permitKeepAliveWithoutCalls(false);
        for (BindableService s : services) {
            b.addService(s);
        }
        this.server = b.build();
    }

    public SchedulerServer start() throws IOException {
        server.start();
        return this;
    }

    /** The bound port (useful with port 0). */
    public int port() {
        return server.getPort();
    }

    @Override
    public void close() {
        server.shutdownNow();
        try {
            server.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
