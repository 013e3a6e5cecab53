package ai.aim.proxy.upstream;

import io.netty.handler.codec.http.HttpObject;

/**
 * The exchange currently using an upstream channel. Called on that channel's event loop only.
 */
public interface UpstreamListener {

  /** A response head or body part; the listener owns (and must release) {@code msg}. */
  void onUpstreamMessage(HttpObject msg);

  /** The upstream channel can take writes again. */
  void onUpstreamWritable();

  /**
   * The upstream channel closed or failed. Called at most once per lease.
   *
   * @param cause the failure, or {@code null} for a plain close
   */
  void onUpstreamClosed(Throwable cause);
}
