package ai.aim.proxy.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** Raw bytes over a socket, for requests a well-behaved client would never send. */
public final class RawHttp {

  private RawHttp() {}

  /** Sends {@code request} and returns everything read until the server closes or 5 s pass. */
  public static String exchange(int port, String request) throws IOException {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(5000);
      s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      s.getOutputStream().flush();
      return readAll(s.getInputStream());
    }
  }

  /** Reads until the peer closes or the socket's timeout passes. */
  public static String readAll(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[8192];
    try {
      int n;
      while ((n = in.read(buf)) > 0) {
        out.write(buf, 0, n);
      }
    } catch (java.net.SocketTimeoutException | java.net.SocketException e) {
      // what arrived so far is the answer
    }
    return out.toString(StandardCharsets.ISO_8859_1);
  }
}
