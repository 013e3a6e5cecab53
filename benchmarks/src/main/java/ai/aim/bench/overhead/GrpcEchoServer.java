package ai.aim.bench.overhead;

import io.grpc.HandlerRegistry;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;

/**
 * The fastest gRPC upstream the comparison can have: answers every call, of any method, with its
 * own request message(s), and no work in between. Serves as the "direct" baseline and as the
 * upstream of every proxy under test.
 *
 * <p>Usage: {@code java -cp aim-bench.jar ai.aim.bench.overhead.GrpcEchoServer PORT [EVENT_LOOPS]}.
 * Listens on 127.0.0.1 only; runs until killed. All calls run on the event loops (direct executor).
 */
public final class GrpcEchoServer {

  private GrpcEchoServer() {}

  public static void main(String[] args) throws IOException, InterruptedException {
    if (args.length < 1) {
      System.err.println("usage: GrpcEchoServer PORT [EVENT_LOOPS]");
      System.exit(2);
    }
    int port = Integer.parseInt(args[0]);
    int loops = args.length > 1 ? Integer.parseInt(args[1]) : 1;
    boolean epoll = Epoll.isAvailable();
    EventLoopGroup group = epoll ? new EpollEventLoopGroup(loops) : new NioEventLoopGroup(loops);
    Server server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
            .bossEventLoopGroup(group)
            .workerEventLoopGroup(group)
            .channelType(epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
            .directExecutor()
            .fallbackHandlerRegistry(new EchoRegistry())
            .build()
            .start();
    System.out.println("grpc echo listening on 127.0.0.1:" + server.getPort());
    server.awaitTermination();
  }

  /** Echoes messages of any method; the bytes are read once and written back. */
  private static final class EchoRegistry extends HandlerRegistry {
    private static final MethodDescriptor.Marshaller<byte[]> BYTES =
        new MethodDescriptor.Marshaller<>() {
          @Override
          public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
          }

          @Override
          public byte[] parse(InputStream stream) {
            try {
              return stream.readAllBytes();
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          }
        };

    private final ServerCallHandler<byte[], byte[]> handler =
        (call, headers) -> {
          call.sendHeaders(new Metadata());
          call.request(1);
          return new ServerCall.Listener<>() {
            @Override
            public void onMessage(byte[] message) {
              call.sendMessage(message);
              call.request(1);
            }

            @Override
            public void onHalfClose() {
              call.close(Status.OK, new Metadata());
            }
          };
        };

    @Override
    public ServerMethodDefinition<?, ?> lookupMethod(String methodName, String authority) {
      MethodDescriptor<byte[], byte[]> method =
          MethodDescriptor.newBuilder(BYTES, BYTES)
              .setFullMethodName(methodName)
              .setType(MethodDescriptor.MethodType.UNKNOWN)
              .build();
      return ServerMethodDefinition.create(method, handler);
    }
  }
}
