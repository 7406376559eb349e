package io.sluice.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * HTTP/1.1 spoken byte by byte over a plain socket, for tests that must send what no real client
 * would (smuggling attempts, slow heads) and see exactly what comes back. Every read is bounded by
 * the socket's timeout; nothing here parses leniently on the test's behalf.
 */
public final class RawHttp {
  /** Long enough for a loaded two-core machine; a hung read fails the test instead of hanging. */
  private static final int READ_TIMEOUT_MILLIS = 5_000;

  /** Bounds what one response may be, so a runaway peer cannot exhaust the test's memory. */
  private static final int MAX_RESPONSE = 1 << 20;

  private RawHttp() {}

  /**
   * What was read from a connection: the bytes, and whether the peer closed it (read returned -1,
   * or the kernel reported a reset after the last byte).
   */
  public record Response(byte[] raw, boolean closed, boolean reset) {
    public String text() {
      return new String(raw, StandardCharsets.ISO_8859_1);
    }

    public int bytes() {
      return raw.length;
    }

    /** The first line without its CRLF, or "" when nothing came. */
    public String statusLine() {
      String text = text();
      int end = text.indexOf("\r\n");
      return end < 0 ? text : text.substring(0, end);
    }

    /** The head up to the blank line, or everything when there is none. */
    public String head() {
      String text = text();
      int end = text.indexOf("\r\n\r\n");
      return end < 0 ? text : text.substring(0, end);
    }
  }

  public static Socket connect(InetSocketAddress address) throws IOException {
    Socket socket = Sockets.connect(address);
    socket.setSoTimeout(READ_TIMEOUT_MILLIS);
    socket.setTcpNoDelay(true);
    return socket;
  }

  /** Writes {@code request} as ISO-8859-1 bytes, in one write. */
  public static void send(Socket socket, String request) throws IOException {
    OutputStream out = socket.getOutputStream();
    out.write(request.getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
  }

  /** Reads until the peer closes the connection; fails with a timeout if it never does. */
  public static Response readUntilClosed(Socket socket) throws IOException {
    InputStream in = socket.getInputStream();
    ByteArrayOutputStream received = new ByteArrayOutputStream();
    byte[] buffer = new byte[8192];
    try {
      int n;
      while ((n = in.read(buffer)) >= 0) {
        received.write(buffer, 0, n);
        if (received.size() > MAX_RESPONSE) {
          throw new IOException("response over " + MAX_RESPONSE + " bytes");
        }
      }
    } catch (SocketException reset) {
      // A close with unread request bytes in the peer's buffer arrives as a reset; what was
      // received before it stays readable (Linux keeps the queue), so it is still an answer.
      return new Response(received.toByteArray(), true, true);
    }
    return new Response(received.toByteArray(), true, false);
  }

  /**
   * Reads exactly one response framed by its {@code Content-Length} (no body when absent), leaving
   * the connection open.
   */
  public static Response readOne(Socket socket) throws IOException {
    InputStream in = socket.getInputStream();
    ByteArrayOutputStream received = new ByteArrayOutputStream();
    int matched = 0;
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        return new Response(received.toByteArray(), true, false);
      }
      received.write(b);
      if (received.size() > MAX_RESPONSE) {
        throw new IOException("response head over " + MAX_RESPONSE + " bytes");
      }
      matched = b == "\r\n\r\n".charAt(matched) ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    long length = contentLength(received.toString(StandardCharsets.ISO_8859_1));
    if (length > MAX_RESPONSE) {
      throw new IOException("response body of " + length + " bytes");
    }
    byte[] body = in.readNBytes((int) Math.max(0, length));
    received.write(body);
    return new Response(received.toByteArray(), body.length < length, false);
  }

  private static long contentLength(String head) {
    for (String line : head.split("\r\n")) {
      int colon = line.indexOf(':');
      if (colon > 0
          && line.substring(0, colon).strip().toLowerCase(Locale.ROOT).equals("content-length")) {
        return Long.parseLong(line.substring(colon + 1).strip());
      }
    }
    return 0;
  }

  /** A request being sent one byte at a time on its own thread. */
  public static final class Trickle {
    private final Thread thread;
    private final AtomicInteger sent = new AtomicInteger();
    private final AtomicBoolean stopped = new AtomicBoolean();

    private Trickle(Socket socket, byte[] bytes, Duration pause) {
      this.thread =
          new Thread(
              () -> {
                try {
                  OutputStream out = socket.getOutputStream();
                  for (int i = 0; i < bytes.length && !stopped.get(); i++) {
                    out.write(bytes[i]);
                    out.flush();
                    sent.incrementAndGet();
                    Thread.sleep(pause.toMillis());
                  }
                } catch (IOException closed) {
                  // The peer closed the connection: the point of the exercise.
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              },
              "trickle");
      thread.setDaemon(true);
      thread.start();
    }

    /** Bytes written so far. */
    public int sent() {
      return sent.get();
    }

    /** Stops writing and waits for the writer thread, at most a few pauses. */
    public void stop() throws InterruptedException {
      stopped.set(true);
      thread.interrupt();
      thread.join(2_000);
    }
  }

  /** Starts writing {@code request} one byte per {@code pause}. */
  public static Trickle trickle(Socket socket, String request, Duration pause) {
    return new Trickle(socket, request.getBytes(StandardCharsets.ISO_8859_1), pause);
  }
}
