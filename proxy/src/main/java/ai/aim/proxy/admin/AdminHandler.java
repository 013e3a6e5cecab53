package ai.aim.proxy.admin;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves admin requests from the route table; the route itself runs on the admin executor so a
 * slow scrape never holds an event loop. One per connection; answers in request order because the
 * connection reads the next request only after the answer is written (HTTP/1.1 keep-alive).
 */
final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

  private static final Logger log = LoggerFactory.getLogger(AdminHandler.class);

  private final AdminRoutes routes;
  private final Executor executor;

  AdminHandler(AdminRoutes routes, Executor executor) {
    this.routes = routes;
    this.executor = executor;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    ctx.read();
    ctx.fireChannelActive();
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
    boolean keepAlive = HttpUtil.isKeepAlive(req);
    if (!req.decoderResult().isSuccess()) {
      write(ctx, AdminResponse.json(400, "{\"error\":\"bad_request\"}"), false);
      return;
    }
    QueryStringDecoder q = new QueryStringDecoder(req.uri());
    AdminRoute route = routes.get(q.path());
    if (route == null) {
      write(ctx, AdminResponse.json(404,
          "{\"error\":\"not_found\",\"reason\":\"no admin route " + q.path().replace("\"", "") + "\"}"),
          keepAlive);
      return;
    }
    AdminRequest request = new AdminRequest(req.method().name(), q.path(), q.parameters());
    try {
      executor.execute(() -> {
        AdminResponse r;
        try {
          r = route.handle(request);
        } catch (Exception e) {
          log.warn("admin route {} failed", q.path(), e);
          r = AdminResponse.json(500, "{\"error\":\"internal\"}");
        }
        AdminResponse answer = r;
        ctx.executor().execute(() -> write(ctx, answer, keepAlive));
      });
    } catch (RejectedExecutionException e) {
      write(ctx, AdminResponse.json(503, "{\"error\":\"shutting_down\"}"), false);
    }
  }

  private static void write(ChannelHandlerContext ctx, AdminResponse r, boolean keepAlive) {
    FullHttpResponse resp =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(r.status()), Unpooled.wrappedBuffer(r.body()));
    resp.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, r.contentType())
        .setInt(HttpHeaderNames.CONTENT_LENGTH, r.body().length);
    HttpUtil.setKeepAlive(resp, keepAlive);
    if (keepAlive) {
      ctx.writeAndFlush(resp).addListener(f -> ctx.read());
    } else {
      ctx.writeAndFlush(resp).addListener(ChannelFutureListener.CLOSE);
    }
  }
}
