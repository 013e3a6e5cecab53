package ai.aim.proxy.config;

/**
 * The client-facing gRPC listener. Immutable.
 *
 * @param bind address to listen on
 * @param port TCP port; {@code 0} picks a free one
 */
public record GrpcConfig(String bind, int port) {

  public static GrpcConfig defaults() {
    return new GrpcConfig("0.0.0.0", 8081);
  }
}
