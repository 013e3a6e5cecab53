package ai.aim.sim.http;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * Streams {@code n} bytes of a deterministic pattern (byte i is {@code i % 251}) for {@code GET
 * /sim/bytes}, writing only while the channel is writable and resuming on writability, so a
 * slow reader holds the server to its pace instead of filling memory. Event-loop confined.
 */
final class BytesProducer {
  private static final int CHUNK = 16 * 1024;
  private static final byte[] PATTERN = new byte[CHUNK + 251];

  static {
    for (int i = 0; i < PATTERN.length; i++) {
      PATTERN[i] = (byte) (i % 251);
    }
  }

  private final HttpHandler.Exchange x;
  private final long n;
  private long sent;

  BytesProducer(HttpHandler.Exchange x, long n) {
    this.x = x;
    this.n = n;
  }

  /** Value of byte {@code i} of the stream. */
  static byte at(long i) {
    return (byte) (i % 251);
  }

  void start() {
    x.startStream(HttpResponseStatus.OK, "application/octet-stream", n);
    x.producer = this::produce;
    produce();
  }

  private void produce() {
    while (!x.over && sent < n && x.channel().isWritable()) {
      int len = (int) Math.min(CHUNK, n - sent);
      ByteBuf b = x.channel().alloc().buffer(len);
      b.writeBytes(PATTERN, (int) (sent % 251), len);
      if (!x.streamChunk(b)) {
        return;
      }
      sent += len;
    }
    if (sent == n && !x.over) {
      x.endStream();
    }
  }
}
