package ai.aim.bench.load;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Reads HTTP/1.1 responses one after the other from one connection's input stream: the status
 * line, the headers and the whole body, framed by {@code Content-Length}, by
 * {@code Transfer-Encoding: chunked} (trailers skipped) or, with neither, by the end of the
 * stream. Interim 1xx responses are skipped. Bodies are discarded except their first
 * {@link #KEPT_BODY_BYTES} bytes (enough for a 429's reason). Owned by the one thread that uses
 * the connection; keeps the bytes it read past a response for the next one.
 */
final class ResponseReader {

  /** Bytes of each body kept for the caller. */
  static final int KEPT_BODY_BYTES = 512;
  /** Longest status, header or chunk-size line accepted. */
  static final int MAX_LINE = 8192;

  /**
   * One response.
   *
   * @param status the status code
   * @param bodyBytes the body's length as read
   * @param bodyHead the first {@link #KEPT_BODY_BYTES} bytes of the body (UTF-8)
   * @param close whether the connection cannot carry another request: the server said
   *     {@code Connection: close}, the response was HTTP/1.0 without keep-alive, or its body ran
   *     to the end of the stream
   */
  record Response(int status, long bodyBytes, String bodyHead, boolean close) {}

  private final InputStream in;
  private final byte[] buf = new byte[16 * 1024];
  private int pos;
  private int limit;

  ResponseReader(InputStream in) {
    this.in = in;
  }

  /** Reads the next whole response; {@link EOFException} if the stream ends before it does. */
  Response read() throws IOException {
    while (true) {
      String statusLine = line();
      // "HTTP/1.1 200 OK": version, space, three digits.
      if (!statusLine.startsWith("HTTP/1.") || statusLine.length() < 12 || statusLine.charAt(8) != ' ') {
        throw new IOException("status line '" + clip(statusLine) + "' (expected: HTTP/1.x NNN ...)");
      }
      int status = parseStatus(statusLine);
      boolean http10 = statusLine.charAt(7) == '0';
      long contentLength = -1;
      boolean chunked = false;
      boolean close = http10;
      String h;
      while (!(h = line()).isEmpty()) {
        int colon = h.indexOf(':');
        if (colon <= 0) {
          throw new IOException("header '" + clip(h) + "' (expected: name: value)");
        }
        String name = h.substring(0, colon).trim();
        String value = h.substring(colon + 1).trim();
        if (name.equalsIgnoreCase("content-length")) {
          try {
            contentLength = Long.parseLong(value);
          } catch (NumberFormatException e) {
            throw new IOException("content-length '" + clip(value) + "' (expected: a number)");
          }
        } else if (name.equalsIgnoreCase("transfer-encoding")) {
          // Chunked is the last coding whenever present (RFC 9112 6.1).
          chunked = value.toLowerCase(java.util.Locale.ROOT).endsWith("chunked");
        } else if (name.equalsIgnoreCase("connection")) {
          for (String token : value.split(",")) {
            String t = token.trim();
            if (t.equalsIgnoreCase("close")) {
              close = true;
            } else if (t.equalsIgnoreCase("keep-alive") && http10) {
              close = false;
            }
          }
        }
      }
      if (status >= 100 && status < 200) {
        continue; // 100 Continue and friends: the real answer follows.
      }
      Body body = new Body();
      if (status == 204 || status == 304) {
        // No body whatever the headers say.
      } else if (chunked) {
        chunks(body);
      } else if (contentLength >= 0) {
        body.take(contentLength, false);
      } else {
        body.take(Long.MAX_VALUE, true);
        close = true;
      }
      return new Response(status, body.length, body.head.toString(StandardCharsets.UTF_8), close);
    }
  }

  private void chunks(Body body) throws IOException {
    while (true) {
      String sizeLine = line();
      int semi = sizeLine.indexOf(';');
      String hex = (semi < 0 ? sizeLine : sizeLine.substring(0, semi)).trim();
      long size;
      try {
        size = Long.parseLong(hex, 16);
      } catch (NumberFormatException e) {
        throw new IOException("chunk size '" + clip(sizeLine) + "' (expected: hexadecimal)");
      }
      if (size < 0) {
        throw new IOException("chunk size '" + clip(sizeLine) + "' (expected: >= 0)");
      }
      if (size == 0) {
        while (!line().isEmpty()) {
          // Trailer fields: not needed.
        }
        return;
      }
      body.take(size, false);
      if (!line().isEmpty()) {
        throw new IOException("chunk of " + size + " bytes not followed by CRLF");
      }
    }
  }

  /** Accumulates a body's length and its first bytes. */
  private final class Body {
    long length;
    final java.io.ByteArrayOutputStream head = new java.io.ByteArrayOutputStream();

    /** Takes {@code n} bytes, or everything up to the end of the stream if {@code toEof}. */
    void take(long n, boolean toEof) throws IOException {
      long left = n;
      while (left > 0) {
        if (pos == limit && !fill()) {
          if (toEof) {
            return;
          }
          throw new EOFException("stream ended " + left + " bytes before the end of the body");
        }
        int k = (int) Math.min(left, limit - pos);
        int keep = Math.min(k, KEPT_BODY_BYTES - head.size());
        if (keep > 0) {
          head.write(buf, pos, keep);
        }
        pos += k;
        left -= k;
        length += k;
      }
    }
  }

  /** One line without its CRLF (a bare LF is accepted too), ISO-8859-1. */
  private String line() throws IOException {
    StringBuilder b = null;
    while (true) {
      if (pos == limit && !fill()) {
        throw new EOFException("stream ended inside a response head");
      }
      int start = pos;
      while (pos < limit && buf[pos] != '\n') {
        pos++;
      }
      int end = pos;
      boolean found = pos < limit;
      if (found) {
        pos++; // past the LF
      }
      int len = end - start;
      if (b == null && found) {
        if (len > 0 && buf[end - 1] == '\r') {
          len--;
        }
        return new String(buf, start, len, StandardCharsets.ISO_8859_1);
      }
      if (b == null) {
        b = new StringBuilder();
      }
      b.append(new String(buf, start, len, StandardCharsets.ISO_8859_1));
      if (b.length() > MAX_LINE) {
        throw new IOException("line longer than " + MAX_LINE + " bytes");
      }
      if (found) {
        int n = b.length();
        if (n > 0 && b.charAt(n - 1) == '\r') {
          b.setLength(n - 1);
        }
        return b.toString();
      }
    }
  }

  private boolean fill() throws IOException {
    int n = in.read(buf, 0, buf.length);
    if (n <= 0) {
      return false;
    }
    pos = 0;
    limit = n;
    return true;
  }

  private static int parseStatus(String statusLine) throws IOException {
    int s = 0;
    for (int i = 9; i < 12; i++) {
      char c = statusLine.charAt(i);
      if (c < '0' || c > '9') {
        throw new IOException("status line '" + clip(statusLine) + "' (expected: HTTP/1.x NNN ...)");
      }
      s = s * 10 + (c - '0');
    }
    return s;
  }

  private static String clip(String s) {
    return s.length() <= 80 ? s : s.substring(0, 80) + "...";
  }
}
