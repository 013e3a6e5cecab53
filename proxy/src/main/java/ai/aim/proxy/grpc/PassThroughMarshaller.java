package ai.aim.proxy.grpc;

import io.grpc.MethodDescriptor;
import java.io.InputStream;

/**
 * Hands a message's stream from the inbound deframer to the outbound framer untouched: no
 * protobuf parsing, no whole-message byte array. Stateless; one shared instance.
 *
 * <p>This is safe only because the proxy passes a message on synchronously: it requests a message
 * from one side only while the other side's call {@code isReady()} (so its stream is live, not
 * buffered in a delayed stream) and retries are disabled on the upstream channel (no replay
 * buffer). grpc-java closes the inbound stream after the listener returns; the framer has read it
 * by then.
 */
enum PassThroughMarshaller implements MethodDescriptor.Marshaller<InputStream> {
  INSTANCE;

  @Override
  public InputStream stream(InputStream value) {
    return value;
  }

  @Override
  public InputStream parse(InputStream stream) {
    return stream;
  }
}
