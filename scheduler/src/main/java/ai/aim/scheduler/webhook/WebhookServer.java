package ai.aim.scheduler.webhook;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The injection webhook's HTTPS endpoint: {@code POST /inject} takes an AdmissionReview,
 * {@code GET /healthz} answers 200.
 *
 * <p>The serving certificate can be replaced while running ({@link #useCertificate}); new TLS
 * handshakes use the new one, so rotation needs no restart. Requests run on a small pool of its
 * own; bodies over {@link #MAX_BODY_BYTES} are refused with 413.
 */
public final class WebhookServer implements AutoCloseable {

  /** The API server sends one pod per review; 4 MiB is far above any real pod spec. */
  public static final int MAX_BODY_BYTES = 4 * 1024 * 1024;

  private static final Logger log = LoggerFactory.getLogger(WebhookServer.class);

  private final HttpsServer server;
  private final ExecutorService executor;
  private final RotatingKeyManager keys;

  private WebhookServer(HttpsServer server, ExecutorService executor, RotatingKeyManager keys) {
    this.server = server;
    this.executor = executor;
    this.keys = keys;
  }

  /** Binds {@code address} (port 0 for any) and starts serving with {@code certificate}. */
  public static WebhookServer start(InetSocketAddress address, CertificateBundle certificate,
      AdmissionReviewHandler handler) throws IOException {
    RotatingKeyManager keys = new RotatingKeyManager();
    keys.use(certificate);
    SSLContext tls;
    try {
      tls = SSLContext.getInstance("TLS");
      tls.init(new KeyManager[] {keys}, null, null);
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot set up TLS: " + e.getMessage(), e);
    }
    HttpsServer server = HttpsServer.create(address, 64);
    server.setHttpsConfigurator(new HttpsConfigurator(tls));
    ExecutorService executor = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "aim-webhook");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    server.createContext("/healthz", ex -> respond(ex, 200, "ok\n".getBytes(StandardCharsets.UTF_8), "text/plain"));
    server.createContext("/inject", ex -> {
      try (ex) {
        if (!"POST".equals(ex.getRequestMethod())) {
          respond(ex, 405, "{\"error\":\"POST an AdmissionReview\"}".getBytes(StandardCharsets.UTF_8), "application/json");
          return;
        }
        byte[] body = readBounded(ex.getRequestBody());
        if (body == null) {
          respond(ex, 413, "{\"error\":\"body over 4 MiB\"}".getBytes(StandardCharsets.UTF_8), "application/json");
          return;
        }
        respond(ex, 200, handler.handle(body), "application/json");
      } catch (RuntimeException e) {
        log.error("webhook request failed", e);
        respond(ex, 500, "{\"error\":\"internal\"}".getBytes(StandardCharsets.UTF_8), "application/json");
      }
    });
    server.start();
    log.info("injection webhook listening on {}", server.getAddress());
    return new WebhookServer(server, executor, keys);
  }

  /** The bound port. */
  public int port() {
    return server.getAddress().getPort();
  }

  /** Serves {@code certificate} from the next handshake on. */
  public void useCertificate(CertificateBundle certificate) {
    keys.use(certificate);
  }

  @Override
  public void close() {
    server.stop(1);
    executor.shutdown();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static byte[] readBounded(InputStream in) throws IOException {
    byte[] body = in.readNBytes(MAX_BODY_BYTES + 1);
    return body.length > MAX_BODY_BYTES ? null : body;
  }

  private static void respond(HttpExchange ex, int status, byte[] body, String type) throws IOException {
    ex.getResponseHeaders().set("Content-Type", type);
    ex.sendResponseHeaders(status, body.length);
    ex.getResponseBody().write(body);
    ex.close();
  }

  /**
   * Hands out whichever certificate was set last. The alias names the generation, so a handshake
   * that started before a rotation gets the chain and the key of the same generation. Written by
   * the rotator, read by TLS threads.
   */
  static final class RotatingKeyManager extends X509ExtendedKeyManager {
    private record Material(String alias, PrivateKey key, X509Certificate[] chain) {}

    private volatile Material current;
    private volatile Material previous;
    private int generation;

    synchronized void use(CertificateBundle bundle) {
      Material next = new Material("webhook-" + (++generation), bundle.privateKey(),
          new X509Certificate[] {bundle.certificate(), bundle.caCertificate()});
      previous = current;
      current = next;
    }

    private Material byAlias(String alias) {
      Material c = current;
      if (c != null && c.alias().equals(alias)) {
        return c;
      }
      Material p = previous;
      return p != null && p.alias().equals(alias) ? p : null;
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
      return new String[] {current.alias()};
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
      return current.alias();
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
      return current.alias();
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
      Material m = byAlias(alias);
      return m == null ? null : m.chain().clone();
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
      Material m = byAlias(alias);
      return m == null ? null : m.key();
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
      return new String[0];
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
      return null;
    }
  }
}
