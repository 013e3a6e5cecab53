package ai.aim.proxy.grpc;

import io.grpc.HandlerRegistry;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import java.io.InputStream;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The server's fallback registry: every method, of any service, is forwarded. Method definitions
 * are made on first use and cached; the cache is bounded so that clients sending random method
 * names cannot grow it without end (past the bound a definition is made per call).
 *
 * <p>Thread-safe: looked up concurrently from every event loop.
 */
final class ForwardingRegistry extends HandlerRegistry {

  private static final int MAX_CACHED_METHODS = 1024;

  private final ConcurrentHashMap<String, ServerMethodDefinition<InputStream, InputStream>> methods =
      new ConcurrentHashMap<>();
  private final ServerCallHandler<InputStream, InputStream> handler;

  ForwardingRegistry(Routes routes, ProxySettings settings) {
    this.handler =
        (call, headers) -> ForwardingCall.start(call, headers, routes.current(), settings);
  }

  @Override
  public ServerMethodDefinition<?, ?> lookupMethod(String methodName, String authority) {
    ServerMethodDefinition<InputStream, InputStream> def = methods.get(methodName);
    if (def != null) {
      return def;
    }
    def = define(methodName);
    if (methods.size() < MAX_CACHED_METHODS) {
      methods.putIfAbsent(methodName, def);
    }
    return def;
  }

  private ServerMethodDefinition<InputStream, InputStream> define(String methodName) {
    // UNKNOWN: both sides only stream messages, which serves unary, client-, server- and
    // bidi-streaming methods alike without knowing which one this is.
    MethodDescriptor<InputStream, InputStream> method =
        MethodDescriptor.newBuilder(PassThroughMarshaller.INSTANCE, PassThroughMarshaller.INSTANCE)
            .setFullMethodName(methodName)
            .setType(MethodDescriptor.MethodType.UNKNOWN)
            .build();
    return ServerMethodDefinition.create(method, handler);
  }
}
