package ai.aim.proxy.reliability;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A model server that misbehaves on request: a raw HTTP/1.1 server on a loopback port whose answer
 * to each request is chosen by the {@code x-fault} request header (which the sidecar forwards):
 * {@code ok} (default), {@code hang} (never answers; holds the connection until the peer closes),
 * {@code close} (closes before answering), {@code truncate} (promises 1000 body bytes, sends 10,
 * closes), {@code garbage} (a non-HTTP reply, then close), {@code trickle} (a chunked answer with
 * one chunk every 50 ms until the peer goes away).
 *
 * <p>A fixed pool of pre-started threads serves the connections, so the process's thread count
 * does not move with the traffic (the fault matrix counts threads).
 */
final class ScriptedUpstream implements AutoCloseable {

  private static final int THREADS = 48;

  private final ServerSocket server;
  private final ThreadPoolExecutor pool;
  private final Thread acceptor;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final AtomicInteger requests = new AtomicInteger();
  private final AtomicInteger peerClosed = new AtomicInteger();
  private volatile CountDownLatch hung = new CountDownLatch(0);

  ScriptedUpstream() throws IOException {
    server = new ServerSocket(0, 256, InetAddress.getLoopbackAddress());
    pool = new ThreadPoolExecutor(THREADS, THREADS, 1, TimeUnit.HOURS, new LinkedBlockingQueue<>());
    pool.prestartAllCoreThreads();
    acceptor = new Thread(this::acceptLoop, "scripted-upstream-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  int port() {
    return server.getLocalPort();
  }

  String url() {
    return "http://127.0.0.1:" + port();
  }

  /** Requests whose head was read. */
  int requests() {
    return requests.get();
  }

  /** Connections the sidecar closed while this server held a request ({@code hang}, {@code trickle}). */
  int peerClosed() {
    return peerClosed.get();
  }

  /** Counts down once per {@code hang} request received. */
  void expectHangs(int n) {
    hung = new CountDownLatch(n);
  }

  boolean awaitHangs(long seconds) throws InterruptedException {
    return hung.await(seconds, TimeUnit.SECONDS);
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        open.add(s);
        pool.execute(() -> serve(s));
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Socket s) {
    try (s) {
      InputStream in = new BufferedInputStream(s.getInputStream());
      OutputStream out = s.getOutputStream();
      while (true) {
        String head = readHead(in);
        if (head == null) {
          return;
        }
        requests.incrementAndGet();
        String fault = header(head, "x-fault");
        long length = parseLength(header(head, "content-length"));
        if ("chunked".equalsIgnoreCase(header(head, "transfer-encoding"))) {
          skipChunked(in);
        } else {
          in.skipNBytes(length);
        }
        switch (fault == null ? "ok" : fault) {
          case "hang" -> {
            hung.countDown();
            waitForPeerClose(in);
            return;
          }
          case "close" -> {
            return;
          }
          case "truncate" -> {
            out.write(ascii("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123456789"));
            out.flush();
            return;
          }
          case "garbage" -> {
            out.write(ascii("SSH-2.0-OpenSSH_9.6\r\n\u0000\u0001\u0002 not http at all\r\n"));
            out.flush();
            return;
          }
          case "trickle" -> {
            out.write(ascii("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
                + "Content-Type: text/event-stream\r\n\r\n"));
            try {
              while (true) {
                out.write(ascii("7\r\ndata: x\r\n"));
                out.flush();
                Thread.sleep(50);
              }
            } catch (IOException gone) {
              peerClosed.incrementAndGet();
              return;
            }
          }
          default -> {
            out.write(ascii("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                + "Content-Length: 11\r\n\r\n{\"ok\":true}"));
            out.flush();
          }
        }
      }
    } catch (IOException | InterruptedException e) {
      // the sidecar closed the connection; nothing to answer
    } finally {
      open.remove(s);
    }
  }

  private void waitForPeerClose(InputStream in) throws IOException {
    try {
      while (in.read() >= 0) {
        // a hanging server ignores whatever else arrives
      }
    } catch (SocketException reset) {
      // closed by the peer all the same
    }
    peerClosed.incrementAndGet();
  }

  private static void skipChunked(InputStream in) throws IOException {
    while (true) {
      String size = readLine(in);
      if (size == null) {
        return;
      }
      int n = Integer.parseInt(size.split(";")[0].trim(), 16);
      if (n == 0) {
        readLine(in);
        return;
      }
      in.skipNBytes(n);
      readLine(in);
    }
  }

  private static long parseLength(String v) {
    return v == null ? 0 : Long.parseLong(v.trim());
  }

  private static String header(String head, String name) {
    for (String line : head.split("\r\n")) {
      int colon = line.indexOf(':');
      if (colon > 0 && line.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals(name)) {
        return line.substring(colon + 1).trim();
      }
    }
    return null;
  }

  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int state = 0;
    int c;
    while ((c = in.read()) >= 0) {
      b.write(c);
      state = (c == '\r' && (state == 0 || state == 2)) ? state + 1
          : (c == '\n' && (state == 1 || state == 3)) ? state + 1 : 0;
      if (state == 4) {
        return b.toString(StandardCharsets.ISO_8859_1);
      }
    }
    return null;
  }

  private static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) >= 0) {
      if (c == '\n') {
        return b.toString(StandardCharsets.ISO_8859_1).trim();
      }
      b.write(c);
    }
    return null;
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket s : open) {
      s.close();
    }
    pool.shutdownNow();
    try {
      pool.awaitTermination(5, TimeUnit.SECONDS);
      acceptor.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
