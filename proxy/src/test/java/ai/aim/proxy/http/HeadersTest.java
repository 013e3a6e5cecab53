package ai.aim.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class HeadersTest {

  @Test
  void hopByHopFieldsAndThoseNamedByConnectionAreNotForwarded() {
    HttpHeaders in = new DefaultHttpHeaders()
        .add("Connection", "keep-alive, X-Trace")
        .add("X-Trace", "1")
        .add("Keep-Alive", "timeout=5")
        .add("Proxy-Authorization", "Basic x")
        .add("Upgrade", "h2c")
        .add("HTTP2-Settings", "AAA")
        .add("Transfer-Encoding", "chunked")
        .add("x-http2-stream-id", "3")
        .add("Content-Length", "5")
        .add("Authorization", "Bearer t");
    HttpHeaders out = Headers.forwardable(in);
    assertThat(out.names()).containsExactlyInAnyOrder("Content-Length", "Authorization");
  }

  @Test
  void theDecoderMarksRequestsWithBothContentLengthAndChunked() {
    EmbeddedChannel ch = new EmbeddedChannel(
        new HttpServerCodec(new HttpDecoderConfig().setHeadersFactory(Headers.STRICT)));
    ch.writeInbound(Unpooled.copiedBuffer(
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
        StandardCharsets.US_ASCII));
    HttpRequest conflicting = ch.readInbound();
    assertThat(Headers.hadConflictingFraming(conflicting.headers())).isTrue();
    ReferenceCountUtil.release(conflicting);
    ch.finishAndReleaseAll();

    EmbeddedChannel ok = new EmbeddedChannel(
        new HttpServerCodec(new HttpDecoderConfig().setHeadersFactory(Headers.STRICT)));
    ok.writeInbound(Unpooled.copiedBuffer(
        "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", StandardCharsets.US_ASCII));
    HttpRequest chunked = ok.readInbound();
    assertThat(Headers.hadConflictingFraming(chunked.headers())).isFalse();
    ok.finishAndReleaseAll();
  }
}
