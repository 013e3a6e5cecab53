package ai.aim.scheduler;

import io.grpc.BindableService;
import java.util.List;

/**
 * A part of the scheduler that adds gRPC services (served on {@code --grpc-port} next to the
 * sidecar protocol) and/or background controllers (closed on shutdown, in reverse order). Add an
 * implementation to {@link Main#extensions()}. Called once at start-up on the main thread.
 */
public interface SchedulerExtension {

    default List<BindableService> services(SchedulerContext context) {
        return List.of();
    }

    default List<AutoCloseable> controllers(SchedulerContext context) {
        return List.of();
    }
}
