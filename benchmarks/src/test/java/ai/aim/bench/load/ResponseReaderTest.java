package ai.aim.bench.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ResponseReaderTest {

  private static final String SHED_BODY = "{\"error\":\"shed\",\"reason\":\"outranked\",\"priority\":\"low\"}";

  private static final String STREAM = ""
      + "HTTP/1.1 429 Too Many Requests\r\n"
      + "content-type: application/json\r\n"
      + "Content-Length: " + SHED_BODY.length() + "\r\n"
      + "\r\n"
      + SHED_BODY
      + "HTTP/1.1 200 OK\r\n"
      + "Transfer-Encoding: chunked\r\n"
      + "\r\n"
      + "5;ext=1\r\nhello\r\n"
      + "1A\r\nabcdefghijklmnopqrstuvwxyz\r\n"
      + "0\r\n"
      + "x-trailer: t\r\n"
      + "\r\n"
      + "HTTP/1.1 100 Continue\r\n\r\n"
      + "HTTP/1.1 503 Service Unavailable\r\n"
      + "connection: keep-alive, Close\r\n"
      + "content-length: 0\r\n"
      + "\r\n";

  @Test
  void contentLengthAndChunkedResponsesFollowEachOtherOnOneConnection() throws IOException {
    ResponseReader r = new ResponseReader(new ByteArrayInputStream(STREAM.getBytes(StandardCharsets.US_ASCII)));

    ResponseReader.Response shed = r.read();
    assertThat(shed.status()).isEqualTo(429);
    assertThat(shed.bodyBytes()).isEqualTo(SHED_BODY.length());
    assertThat(shed.bodyHead()).isEqualTo(SHED_BODY);
    assertThat(LoadRun.reasonOf(shed.bodyHead())).isEqualTo("outranked");
    assertThat(shed.close()).isFalse();

    ResponseReader.Response ok = r.read();
    assertThat(ok.status()).isEqualTo(200);
    assertThat(ok.bodyBytes()).isEqualTo(5 + 26);
    assertThat(ok.bodyHead()).isEqualTo("helloabcdefghijklmnopqrstuvwxyz");
    assertThat(ok.close()).isFalse();

    ResponseReader.Response closing = r.read();
    assertThat(closing.status()).as("the 100 Continue is skipped").isEqualTo(503);
    assertThat(closing.bodyBytes()).isZero();
    assertThat(closing.close()).isTrue();

    assertThatThrownBy(r::read).isInstanceOf(EOFException.class);
  }

  @Test
  void responsesSplitIntoOneByteReadsParseTheSame() throws IOException {
    InputStream dribble = new ByteArrayInputStream(STREAM.getBytes(StandardCharsets.US_ASCII)) {
      @Override
      public synchronized int read(byte[] b, int off, int len) {
        return super.read(b, off, Math.min(1, len));
      }
    };
    ResponseReader r = new ResponseReader(dribble);
    assertThat(r.read().bodyHead()).isEqualTo(SHED_BODY);
    assertThat(r.read().bodyHead()).isEqualTo("helloabcdefghijklmnopqrstuvwxyz");
    assertThat(r.read().status()).isEqualTo(503);
  }

  @Test
  void aBodyWithoutLengthRunsToTheEndOfTheStreamAndClosesTheConnection() throws IOException {
    String big = "x".repeat(ResponseReader.KEPT_BODY_BYTES + 100);
    ResponseReader r = new ResponseReader(new ByteArrayInputStream(
        ("HTTP/1.0 200 OK\r\n\r\n" + big).getBytes(StandardCharsets.US_ASCII)));
    ResponseReader.Response resp = r.read();
    assertThat(resp.bodyBytes()).isEqualTo(big.length());
    assertThat(resp.bodyHead()).hasSize(ResponseReader.KEPT_BODY_BYTES);
    assertThat(resp.close()).isTrue();
  }

  @Test
  void anHttp10ResponseKeepsTheConnectionOnlyWhenItSaysKeepAlive() throws IOException {
    String s = "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.0 200 OK\r\nConnection: keep-alive\r\n"
        + "Content-Length: 2\r\n\r\nok";
    ResponseReader r = new ResponseReader(new ByteArrayInputStream(s.getBytes(StandardCharsets.US_ASCII)));
    assertThat(r.read().close()).isTrue();
    assertThat(r.read().close()).isFalse();
  }

  @Test
  void aTruncatedBodyOrAMalformedHeadIsAnError() {
    assertThatThrownBy(() -> new ResponseReader(stream("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")).read())
        .isInstanceOf(EOFException.class).hasMessageContaining("7 bytes before the end of the body");
    assertThatThrownBy(() -> new ResponseReader(stream("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"))
        .read()).hasMessageContaining("chunk size 'zz' (expected: hexadecimal)");
    assertThatThrownBy(() -> new ResponseReader(stream("SSH-2.0-OpenSSH\r\n\r\n")).read())
        .hasMessageContaining("(expected: HTTP/1.x NNN ...)");
    assertThatThrownBy(() -> new ResponseReader(stream("HTTP/1.1 200 OK\r\nno colon\r\n\r\n")).read())
        .hasMessageContaining("(expected: name: value)");
  }

  private static InputStream stream(String s) {
    return new ByteArrayInputStream(s.getBytes(StandardCharsets.US_ASCII));
  }
}
