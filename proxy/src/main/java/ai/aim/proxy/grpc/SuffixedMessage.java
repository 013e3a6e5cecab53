package ai.aim.proxy.grpc;

import io.grpc.Drainable;
import io.grpc.KnownLength;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * A request message followed by a few more bytes (serialized fields to merge into it, see {@link
 * ai.aim.proxy.propagation.ProtoPriorityParameter}), handed to the framer without copying the
 * message: its length is the message's known length plus the suffix. Owned by one call's event
 * loop and read once, synchronously, by the framer.
 */
final class SuffixedMessage extends InputStream implements KnownLength, Drainable {

  private final InputStream message;
  private final byte[] suffix;
  private int suffixPos;

  private SuffixedMessage(InputStream message, byte[] suffix) {
    this.message = message;
    this.suffix = suffix;
  }

  /**
   * {@code message} then {@code suffix}: streamed when the message's length is known, else read
   * in full first (a compressed message).
   */
  static InputStream of(InputStream message, byte[] suffix) throws IOException {
    if (message instanceof KnownLength) {
      return new SuffixedMessage(message, suffix);
    }
    byte[] body = message.readAllBytes();
    byte[] all = new byte[body.length + suffix.length];
    System.arraycopy(body, 0, all, 0, body.length);
    System.arraycopy(suffix, 0, all, body.length, suffix.length);
    return new KnownLengthBytes(all);
  }

  @Override
  public int available() throws IOException {
    return message.available() + suffix.length - suffixPos;
  }

  @Override
  public int read() throws IOException {
    int b = message.read();
    if (b >= 0) {
      return b;
    }
    return suffixPos < suffix.length ? suffix[suffixPos++] & 0xff : -1;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    int n = message.read(b, off, len);
    if (n > 0) {
      return n;
    }
    int rest = suffix.length - suffixPos;
    if (rest == 0) {
      return -1;
    }
    int k = Math.min(rest, len);
    System.arraycopy(suffix, suffixPos, b, off, k);
    suffixPos += k;
    return k;
  }

  @Override
  public int drainTo(OutputStream target) throws IOException {
    long n = message instanceof Drainable
        ? ((Drainable) message).drainTo(target)
        : message.transferTo(target);
    int rest = suffix.length - suffixPos;
    target.write(suffix, suffixPos, rest);
    suffixPos = suffix.length;
    return (int) (n + rest);
  }

  @Override
  public void close() throws IOException {
    message.close();
  }
}
