package ai.aim.proxy.grpc;

import io.grpc.Drainable;
import io.grpc.KnownLength;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * A message the proxy had to read in full (the first request of a KServe v2 inference call, whose
 * model name admission needs), handed on with its length known so the framer writes it in one go.
 * Owned by one call's event loop.
 */
final class KnownLengthBytes extends ByteArrayInputStream implements KnownLength, Drainable {

  KnownLengthBytes(byte[] bytes) {
    super(bytes);
  }

  @Override
  public int drainTo(OutputStream target) throws IOException {
    int n = count - pos;
    target.write(buf, pos, n);
    pos = count;
    return n;
  }
}
