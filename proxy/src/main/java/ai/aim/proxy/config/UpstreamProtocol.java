package ai.aim.proxy.config;

/** How the sidecar speaks to its model server over HTTP. */
public enum UpstreamProtocol {
  /** HTTP/1.1 with keep-alive connections, one request per connection at a time. */
  HTTP1,
  /** HTTP/2 over cleartext with prior knowledge, many streams per connection. */
  H2C
}
