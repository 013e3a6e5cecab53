package ai.aim.proxy.http;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Header rules of the forwarding path: hop-by-hop stripping and framing-conflict detection. */
final class Headers {

  private Headers() {}

  /** Fields that describe one connection, never forwarded (RFC 9110 section 7.6.1). */
  private static final AsciiString[] HOP_BY_HOP = {
    HttpHeaderNames.CONNECTION,
    AsciiString.cached("keep-alive"),
    AsciiString.cached("proxy-connection"),
    HttpHeaderNames.PROXY_AUTHENTICATE,
    HttpHeaderNames.PROXY_AUTHORIZATION,
    HttpHeaderNames.TE,
    HttpHeaderNames.UPGRADE,
    HttpHeaderNames.TRANSFER_ENCODING,
    AsciiString.cached("http2-settings"),
  };

  /** Copies {@code in} without hop-by-hop fields, those named by Connection, and h2 extension fields. */
  static HttpHeaders forwardable(HttpHeaders in) {
    HttpHeaders out = new DefaultHttpHeaders();
    List<String> named = null;
    for (String c : in.getAll(HttpHeaderNames.CONNECTION)) {
      for (String token : c.split(",")) {
        String t = token.trim();
        if (!t.isEmpty()) {
          if (named == null) {
            named = new ArrayList<>(2);
          }
          named.add(t);
        }
      }
    }
    outer:
    for (Map.Entry<String, String> e : in) {
      String name = e.getKey();
      for (AsciiString h : HOP_BY_HOP) {
        if (h.contentEqualsIgnoreCase(name)) {
          continue outer;
        }
      }
      if (name.regionMatches(true, 0, "x-http2-", 0, 8)) {
        continue;
      }
      if (named != null && !isFraming(name)) {
        for (String n : named) {
          if (n.equalsIgnoreCase(name)) {
            continue outer;
          }
        }
      }
      out.add(name, e.getValue());
    }
    return out;
  }

  private static boolean isFraming(String name) {
    return HttpHeaderNames.CONTENT_LENGTH.contentEqualsIgnoreCase(name)
        || HttpHeaderNames.HOST.contentEqualsIgnoreCase(name);
  }

  /**
   * A header factory for the request decoder that remembers when the decoder dropped a
   * Content-Length because Transfer-Encoding was also present. RFC 9112 lets a server reject such a
   * message, and a proxy should: the two framings disagreeing is how request smuggling starts.
   */
  static final HttpHeadersFactory STRICT =
      new HttpHeadersFactory() {
        @Override
        public HttpHeaders newHeaders() {
          return new StrictHeaders();
        }

        @Override
        public HttpHeaders newEmptyHeaders() {
          return new StrictHeaders();
        }
      };

  /** True when {@code h} came with both Content-Length and Transfer-Encoding. */
  static boolean hadConflictingFraming(HttpHeaders h) {
    return h instanceof StrictHeaders && ((StrictHeaders) h).conflict;
  }

  /** Headers that note a Content-Length removed while Transfer-Encoding is present. */
  private static final class StrictHeaders extends DefaultHttpHeaders {
    boolean conflict;

    @Override
    public HttpHeaders remove(String name) {
      note(name);
      return super.remove(name);
    }

    @Override
    public HttpHeaders remove(CharSequence name) {
      note(name);
      return super.remove(name);
    }

    private void note(CharSequence name) {
      if (HttpHeaderNames.CONTENT_LENGTH.contentEqualsIgnoreCase(name)
          && contains(HttpHeaderNames.TRANSFER_ENCODING)) {
        conflict = true;
      }
    }
  }
}
