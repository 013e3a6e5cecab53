package ai.aim.proxy.admin;

/**
 * One admin endpoint ({@code /health/ready}, {@code /metrics}, later {@code /slo},
 * {@code /config}). Runs on the admin thread, never on an event loop, so it may take a moment
 * (a Prometheus scrape does); it must not block for long.
 */
@FunctionalInterface
public interface AdminRoute {

  AdminResponse handle(AdminRequest request) throws Exception;
}
