package ai.aim.proxy.reliability;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/** One raw client connection: writes whatever bytes it is given and reads one answer back. */
final class RawClient implements AutoCloseable {

  private final Socket socket;

  RawClient(int port) throws IOException {
    socket = new Socket(InetAddress.getLoopbackAddress(), port);
    socket.setSoTimeout(5000);
  }

  RawClient send(String ascii) throws IOException {
    return send(ascii.getBytes(StandardCharsets.ISO_8859_1));
  }

  RawClient send(byte[] bytes) throws IOException {
    socket.getOutputStream().write(bytes);
    socket.getOutputStream().flush();
    return this;
  }

  /** Reads up to the end of the response head (or until the peer closes). */
  String readHead() throws IOException {
    InputStream in = socket.getInputStream();
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int state = 0;
    int c;
    while ((c = in.read()) >= 0) {
      b.write(c);
      state = (c == '\r' && (state == 0 || state == 2)) ? state + 1
          : (c == '\n' && (state == 1 || state == 3)) ? state + 1 : 0;
      if (state == 4) {
        break;
      }
    }
    return b.toString(StandardCharsets.ISO_8859_1);
  }

  /** Reads one whole response with a {@code Content-Length} body (or until the peer closes). */
  String readResponse() throws IOException {
    String head = readHead();
    int length = 0;
    for (String line : head.split("\r\n")) {
      if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
        length = Integer.parseInt(line.substring(15).trim());
      }
    }
    byte[] body = socket.getInputStream().readNBytes(length);
    return head + new String(body, StandardCharsets.ISO_8859_1);
  }

  /** Reads everything until the peer closes; {@code null} if it is still open after 5 s. */
  byte[] readToEof() throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    byte[] buf = new byte[8192];
    try {
      int n;
      while ((n = socket.getInputStream().read(buf)) >= 0) {
        b.write(buf, 0, n);
      }
    } catch (SocketTimeoutException stillOpen) {
      return null;
    } catch (SocketException reset) {
      // a reset is a close too
    }
    return b.toByteArray();
  }

  /** Whether the peer has closed: a read returns EOF or a reset within {@code millis}. */
  boolean closedByPeer(int millis) throws IOException {
    socket.setSoTimeout(millis);
    try {
      byte[] buf = new byte[4096];
      while (true) {
        if (socket.getInputStream().read(buf) < 0) {
          return true;
        }
      }
    } catch (SocketTimeoutException open) {
      return false;
    } catch (SocketException reset) {
      return true;
    } finally {
      socket.setSoTimeout(5000);
    }
  }

  /** Closes abruptly (RST), as a client that crashed or timed out would. */
  void abort() throws IOException {
    socket.setSoLinger(true, 0);
    socket.close();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
