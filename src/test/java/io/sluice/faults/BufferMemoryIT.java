package io.sluice.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.testing.Metrics;
import io.sluice.testing.NginxPeer;
import io.sluice.testing.RawHttp;
import io.sluice.testing.SluiceProcess;
import io.sluice.testing.Sockets;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sluice as its own JVM with a small direct-memory limit ({@code -XX:MaxDirectMemorySize}) and a
 * smaller {@code buffer_memory} budget, flooded by clients that ask for large responses and never
 * read them, and by large uploads to a server that reads slowly: the flood, admitted whole, would
 * hold more buffer memory than the JVM has. Sluice never throws {@link OutOfMemoryError}; a
 * well-behaved client keeps getting answers (200, or the prepared 503 while only the reserve is
 * left), an L4 client a close before anything is read, the refusals are counted, and once the flood
 * is gone every request succeeds again.
 */
class BufferMemoryIT {
  private static final byte[] LARGE = Sockets.randomBytes(8 * 1024 * 1024, 3);
  private static final int SLOW_READERS = 500;
  private static final int UPLOADS = 60;

  @RegisterExtension final NginxPeer nginx = new NginxPeer();
  @TempDir Path dir;

  @Test
  void aFloodOfSlowReadersAndUploadsIsRefusedCheaplyNeverOutOfMemory() throws Exception {
    nginx.start(
        Map.of("large.bin", LARGE, "small.txt", "small\n".getBytes(StandardCharsets.UTF_8)));
    int httpPort = Sockets.freePort();
    int tcpPort = Sockets.freePort();
    int adminPort = Sockets.freePort();
    String admin = "127.0.0.1:" + adminPort;
    Path config = dir.resolve("sluice.yaml");
    try (SlowSink sink = new SlowSink()) {
      Files.writeString(
          config,
          """
          buffer_memory: {budget: 24MiB, reserve: 4MiB}
          access_log: {path: "off"}
          admin: {bind: "%s"}
          listeners:
            - name: front
              bind: ["127.0.0.1:%d"]
              protocol: http
              pool: web
              routes: [{path_prefix: /upload, pool: sink}]
            - name: l4
              bind: ["127.0.0.1:%d"]
              pool: web
          pools:
            - name: web
              servers: [{address: "%s"}]
            - name: sink
              servers: [{address: "%s"}]
          """
              .formatted(admin, httpPort, tcpPort, nginx.address(), sink.address()));
      try (SluiceProcess sluice =
          SluiceProcess.start(
              dir,
              Map.of(),
              List.of("-XX:MaxDirectMemorySize=48m", "-Dio.netty.leakDetection.level=disabled"),
              "run",
              "-c",
              config.toString())) {
        sluice.awaitOutput("admin on http", Duration.ofSeconds(30));
        InetSocketAddress front = Sockets.loopback(httpPort);
        InetSocketAddress l4 = Sockets.loopback(tcpPort);
        for (int i = 0; i < 10; i++) {
          assertThat(get(front)).isEqualTo("200");
        }

        List<Socket> flood = new ArrayList<>();
        List<String> during = new ArrayList<>();
        List<Thread> uploaders = new ArrayList<>();
        boolean l4Refused = false;
        try {
          for (int i = 0; i < UPLOADS; i++) {
            Socket upload = new Socket();
            upload.connect(front, 5_000);
            flood.add(upload);
            uploaders.add(uploader(upload));
          }
          for (int i = 0; i < SLOW_READERS; i++) {
            Socket reader = new Socket();
            reader.setReceiveBufferSize(4096);
            reader.connect(front, 5_000);
            reader.getOutputStream().write(ascii("GET /large.bin HTTP/1.1\r\nHost: x\r\n\r\n"));
            flood.add(reader);
            if (i % 50 == 49) {
              during.add(get(front));
              l4Refused |= closedBeforeAnything(l4);
            }
          }
          long until = System.nanoTime() + 2_000_000_000L;
          while (System.nanoTime() < until) {
            during.add(get(front));
            l4Refused |= closedBeforeAnything(l4);
            Thread.sleep(100);
          }
          Metrics spent = Metrics.scrape(admin);
          System.out.printf(
              "buffer memory during the flood: %.1f MiB used, %.0f refusals; answers %s%n",
              spent.value("sluice_buffer_memory_used_bytes") / (1 << 20),
              spent.value("sluice_buffer_memory_refusals_total"),
              during);

          assertThat(during).as("answers to a well-behaved client").containsOnly("200", "503");
          assertThat(spent.value("sluice_buffer_memory_refusals_total")).isPositive();
          assertThat(l4Refused).as("an L4 connection closed before anything is read").isTrue();
          assertThat(spent.value("sluice_buffer_memory_used_bytes")).isLessThan(48.0 * 1024 * 1024);
        } finally {
          for (Socket socket : flood) {
            socket.close();
          }
          for (Thread uploader : uploaders) {
            uploader.join(10_000);
          }
        }

        await("the flood's memory given back")
            .atMost(Duration.ofSeconds(20))
            .until(
                () -> {
                  Metrics now = Metrics.scrape(admin);
                  return now.value("sluice_buffer_memory_used_bytes")
                      < now.value("sluice_buffer_memory_budget_bytes")
                          - now.value("sluice_buffer_memory_reserve_bytes");
                });
        for (int i = 0; i < 20; i++) {
          assertThat(get(front)).isEqualTo("200");
        }
        assertThat(sluice.isAlive()).isTrue();
        assertThat(sluice.stdout() + sluice.stderr()).doesNotContain("OutOfMemoryError");
      }
    }
  }

  /** A request for a small file on a connection of its own: the status, or what went wrong. */
  private static String get(InetSocketAddress front) {
    try (Socket socket = RawHttp.connect(front)) {
      RawHttp.send(socket, "GET /small.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
      String status = RawHttp.readUntilClosed(socket).statusLine();
      return status.length() > 12 ? status.substring(9, 12) : "<" + status + ">";
    } catch (IOException e) {
      return e.toString();
    }
  }

  /** Whether an L4 connection was closed with nothing sent to it, as a refusal is. */
  private static boolean closedBeforeAnything(InetSocketAddress l4) {
    try (Socket socket = RawHttp.connect(l4)) {
      RawHttp.send(socket, "GET /small.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
      return RawHttp.readUntilClosed(socket).bytes() == 0;
    } catch (IOException e) {
      return true;
    }
  }

  /** A 200 MB upload written as fast as the socket takes it, until the socket is closed. */
  private static Thread uploader(Socket socket) {
    Thread thread =
        new Thread(
            () -> {
              try {
                OutputStream out = socket.getOutputStream();
                out.write(
                    ascii("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 200000000\r\n\r\n"));
                byte[] chunk = new byte[64 * 1024];
                for (int sent = 0; sent < 200_000_000; sent += chunk.length) {
                  out.write(chunk);
                }
              } catch (IOException closed) {
                // the test closed it, or Sluice refused it
              }
            },
            "upload");
    thread.setDaemon(true);
    thread.start();
    return thread;
  }

  private static byte[] ascii(String text) {
    return text.getBytes(StandardCharsets.US_ASCII);
  }

  /** A server that reads uploads at about 50 KB/s each and never answers. */
  private static final class SlowSink implements AutoCloseable {
    private final ServerSocket socket;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();

    SlowSink() throws IOException {
      socket = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
      Thread acceptor =
          new Thread(
              () -> {
                while (!socket.isClosed()) {
                  try {
                    Socket connection = socket.accept();
                    open.add(connection);
                    Thread reader = new Thread(() -> drainSlowly(connection), "sink");
                    reader.setDaemon(true);
                    reader.start();
                  } catch (IOException closed) {
                    return;
                  }
                }
              },
              "sink-accept");
      acceptor.setDaemon(true);
      acceptor.start();
    }

    private void drainSlowly(Socket connection) {
      try (connection;
          InputStream in = connection.getInputStream()) {
        byte[] buffer = new byte[1024];
        while (in.read(buffer) >= 0) {
          Thread.sleep(20);
        }
      } catch (IOException e) {
        // closed
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        open.remove(connection);
      }
    }

    String address() {
      return "127.0.0.1:" + socket.getLocalPort();
    }

    @Override
    public void close() throws IOException {
      socket.close();
      for (Socket connection : open) {
        connection.close();
      }
    }
  }
}
