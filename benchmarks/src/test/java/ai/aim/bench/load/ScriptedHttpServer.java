package ai.aim.bench.load;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * A loopback HTTP/1.1 server for tests that answers each request (numbered from 0 across all
 * connections) with the raw bytes a script gives, then keeps, closes or drops the connection:
 * enough to put a socket client through keep-alive, {@code Connection: close} and hang-ups.
 * One thread per connection; {@link #close} stops them all.
 */
final class ScriptedHttpServer implements AutoCloseable {

  /** What to do with request number n: send {@code bytes} (null: send nothing), then maybe close. */
  record Reply(String bytes, boolean closeAfter) {
    static Reply keep(String bytes) {
      return new Reply(bytes, false);
    }

    static Reply thenClose(String bytes) {
      return new Reply(bytes, true);
    }

    static Reply hangUp() {
      return new Reply(null, true);
    }
  }

  /** A request as received: its head lines (the first is the request line) and its body. */
  record Received(List<String> head, String body) {
    String header(String name) {
      for (String h : head.subList(1, head.size())) {
        int c = h.indexOf(':');
        if (c > 0 && h.substring(0, c).trim().equalsIgnoreCase(name)) {
          return h.substring(c + 1).trim();
        }
      }
      return null;
    }
  }

  private final ServerSocket server;
  private final IntFunction<Reply> script;
  private final AtomicInteger requests = new AtomicInteger();
  private final AtomicInteger connections = new AtomicInteger();
  private final List<Received> received = new CopyOnWriteArrayList<>();
  private final List<Socket> open = new CopyOnWriteArrayList<>();
  private final Thread acceptor;

  ScriptedHttpServer(IntFunction<Reply> script) throws IOException {
    this.script = script;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    this.acceptor = new Thread(this::accept, "scripted-http-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  String baseUrl() {
    return "http://127.0.0.1:" + server.getLocalPort();
  }

  int connections() {
    return connections.get();
  }

  List<Received> received() {
    return received;
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        connections.incrementAndGet();
        open.add(s);
        Thread t = new Thread(() -> serve(s), "scripted-http-conn");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private void serve(Socket s) {
    try (s) {
      InputStream in = new BufferedInputStream(s.getInputStream());
      OutputStream out = s.getOutputStream();
      while (true) {
        Received r = readRequest(in);
        if (r == null) {
          return;
        }
        received.add(r);
        Reply reply = script.apply(requests.getAndIncrement());
        if (reply.bytes() != null) {
          out.write(reply.bytes().getBytes(StandardCharsets.ISO_8859_1));
          out.flush();
        }
        if (reply.closeAfter()) {
          return;
        }
      }
    } catch (IOException e) {
      // The client went away.
    }
  }

  private static Received readRequest(InputStream in) throws IOException {
    List<String> head = new java.util.ArrayList<>();
    String line;
    while ((line = readLine(in)) != null && !line.isEmpty()) {
      head.add(line);
    }
    if (head.isEmpty()) {
      return null;
    }
    int length = 0;
    for (String h : head) {
      if (h.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
        length = Integer.parseInt(h.substring(15).trim());
      }
    }
    byte[] body = in.readNBytes(length);
    return new Received(List.copyOf(head), new String(body, StandardCharsets.UTF_8));
  }

  private static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) >= 0 && c != '\n') {
      if (c != '\r') {
        b.write(c);
      }
    }
    return c < 0 && b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket s : open) {
      s.close();
    }
  }
}
