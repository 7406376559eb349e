// UDP load for bench/run, run with the JDK's source launcher (no build):
//   java bench/udp/UdpLoad.java echo PORT                      echo server on 127.0.0.1:PORT
//   java bench/udp/UdpLoad.java load PORT SECONDS [SOCKETS] [WINDOW] [SIZE]
// `load` keeps WINDOW datagrams of SIZE bytes in flight on each of SOCKETS client sockets towards
// 127.0.0.1:PORT for SECONDS and prints the echoes received per second. A socket that hears
// nothing for 100 ms refills its window, so a drop costs throughput, never a stall. Loopback only,
// bounded by SECONDS.
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;

public class UdpLoad {
  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[1]);
    if (args[0].equals("echo")) {
      echo(port);
    } else {
      int seconds = Integer.parseInt(args[2]);
      int sockets = args.length > 3 ? Integer.parseInt(args[3]) : 8;
      int window = args.length > 4 ? Integer.parseInt(args[4]) : 16;
      int size = args.length > 5 ? Integer.parseInt(args[5]) : 128;
      load(new InetSocketAddress("127.0.0.1", port), seconds, sockets, window, size);
    }
  }

  static void echo(int port) throws Exception {
    try (DatagramChannel channel = DatagramChannel.open()) {
      channel.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
      channel.bind(new InetSocketAddress("127.0.0.1", port));
      ByteBuffer buffer = ByteBuffer.allocateDirect(65536);
      while (true) {
        buffer.clear();
        var from = channel.receive(buffer);
        buffer.flip();
        channel.send(buffer, from);
      }
    }
  }

  static void load(InetSocketAddress target, int seconds, int count, int window, int size)
      throws Exception {
    Selector selector = Selector.open();
    DatagramChannel[] sockets = new DatagramChannel[count];
    long[] lastHeard = new long[count];
    ByteBuffer payload = ByteBuffer.allocateDirect(size);
    ByteBuffer in = ByteBuffer.allocateDirect(65536);
    for (int i = 0; i < count; i++) {
      sockets[i] = DatagramChannel.open();
      sockets[i].bind(new InetSocketAddress("127.0.0.1", 0));
      sockets[i].connect(target);
      sockets[i].configureBlocking(false);
      sockets[i].register(selector, SelectionKey.OP_READ, i);
      fill(sockets[i], payload, window);
      lastHeard[i] = System.nanoTime();
    }
    long received = 0;
    long start = System.nanoTime();
    long end = start + seconds * 1_000_000_000L;
    while (System.nanoTime() < end) {
      selector.select(10);
      for (SelectionKey key : selector.selectedKeys()) {
        int i = (Integer) key.attachment();
        DatagramChannel socket = sockets[i];
        while (true) {
          in.clear();
          int n;
          try {
            n = socket.read(in);
          } catch (java.io.IOException refused) {
            break;
          }
          if (n <= 0) {
            break;
          }
          received++;
          lastHeard[i] = System.nanoTime();
          payload.clear();
          try {
            socket.write(payload);
          } catch (java.io.IOException refused) {
            break;
          }
        }
      }
      selector.selectedKeys().clear();
      long now = System.nanoTime();
      for (int i = 0; i < count; i++) {
        if (now - lastHeard[i] > 100_000_000L) {
          fill(sockets[i], payload, window);
          lastHeard[i] = now;
        }
      }
    }
    double elapsed = (System.nanoTime() - start) / 1e9;
    System.out.printf("%.0f%n", received / elapsed);
    for (DatagramChannel socket : sockets) {
      socket.close();
    }
  }

  static void fill(DatagramChannel socket, ByteBuffer payload, int window) {
    for (int j = 0; j < window; j++) {
      payload.clear();
      try {
        socket.write(payload);
      } catch (java.io.IOException refused) {
        return;
      }
    }
  }
}
