package io.sluice.bench;

import io.sluice.config.ConfigLoader;
import io.sluice.config.ConfigResult;
import io.sluice.runtime.SluiceRuntime;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * How evenly new connections spread over Sluice's event loops: SO_REUSEPORT (the kernel's hash of
 * each connection's addresses) against one acceptor placing each connection on the least-loaded
 * loop. Opens N concurrent connections through a listener, reads the per-loop counts from the
 * live view, and prints max/min and the counts, over several rounds with fresh source ports.
 *
 * <p>{@code java -cp bench/jmh/target/benchmarks.jar io.sluice.bench.SpreadMeasurement [loops]}
 */
public final class SpreadMeasurement {
  private static final int[] CONNECTIONS = {10, 100, 1000};
  private static final int ROUNDS = 5;

  public static void main(String[] args) throws Exception {
    int loops = args.length > 0 ? Integer.parseInt(args[0]) : 4;
    try (ServerSocket backend = new ServerSocket(0, 4096, InetAddress.getLoopbackAddress())) {
      Thread acceptor = new Thread(() -> holdOpen(backend), "backend");
      acceptor.setDaemon(true);
      acceptor.start();
      System.out.printf("event loops: %d, rounds: %d%n", loops, ROUNDS);
      System.out.println("mode        connections  max/min (median of rounds)  per-loop counts (last round)");
      for (boolean reusePort : new boolean[] {true, false}) {
        for (int connections : CONNECTIONS) {
          measure(reusePort, connections, loops, backend.getLocalPort());
        }
      }
    }
  }

  private static void measure(boolean reusePort, int connections, int loops, int backendPort)
      throws Exception {
    double[] ratios = new double[ROUNDS];
    int[] last = new int[0];
    for (int round = 0; round < ROUNDS; round++) {
      String yaml =
          """
          access_log: {path: "off"}
          listeners:
            - {name: front, bind: ["127.0.0.1:0"], pool: back, reuse_port: %s}
          pools:
            - {name: back, servers: [{address: "127.0.0.1:%d"}]}
          """
              .formatted(reusePort, backendPort);
      ConfigResult config = ConfigLoader.parse(yaml, "spread.yaml");
      SluiceRuntime sluice = SluiceRuntime.start(config.config(), loops);
      SocketAddress front = sluice.boundAddresses("front").get(0);
      List<Socket> open = new ArrayList<>();
      try {
        for (int i = 0; i < connections; i++) {
          Socket socket = new Socket();
          socket.connect(front, 5_000);
          open.add(socket);
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (Arrays.stream(sluice.view().loopConnections()).sum() < connections
            && System.nanoTime() < deadline) {
          Thread.sleep(5);
        }
        last = sluice.view().loopConnections();
        int max = Arrays.stream(last).max().orElse(0);
        int min = Arrays.stream(last).min().orElse(0);
        ratios[round] = min == 0 ? Double.POSITIVE_INFINITY : (double) max / min;
      } finally {
        for (Socket socket : open) {
          socket.close();
        }
        sluice.stop(Duration.ofSeconds(1));
      }
    }
    Arrays.sort(ratios);
    System.out.printf(
        "%-11s %11d  %26.2f  %s%n",
        reusePort ? "reuse_port" : "least_conn",
        connections,
        ratios[ROUNDS / 2],
        Arrays.toString(last));
  }

  /** Accepts and holds every connection, reading until the peer closes. */
  private static void holdOpen(ServerSocket backend) {
    while (!backend.isClosed()) {
      try {
        Socket socket = backend.accept();
        Thread reader =
            new Thread(
                () -> {
                  try (socket;
                      InputStream in = socket.getInputStream();
                      OutputStream out = socket.getOutputStream()) {
                    while (in.read() >= 0) {
                      out.flush();
                    }
                  } catch (IOException e) {
                    // the measurement closed it
                  }
                });
        reader.setDaemon(true);
        reader.start();
      } catch (IOException e) {
        return;
      }
    }
  }
}
