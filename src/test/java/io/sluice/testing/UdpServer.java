package io.sluice.testing;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A fake UDP server on loopback: records every datagram it receives (bytes and sender) and, unless
 * told to stay silent, answers each with {@code NAME:} followed by the datagram's text. Closed
 * after the test with the rest of the test's resources.
 *
 * <p>Threads: one receiving thread of its own; the records are safe to read from the test thread.
 */
public final class UdpServer implements AutoCloseable {
  /** One datagram as the server saw it. */
  public record Received(byte[] bytes, InetSocketAddress sender) {
    public String text() {
      return new String(bytes, StandardCharsets.ISO_8859_1);
    }
  }

  private final String name;
  private final DatagramSocket socket;
  private final Thread receiver;
  private final List<Received> received = new CopyOnWriteArrayList<>();
  private volatile boolean answering = true;

  private UdpServer(String name, DatagramSocket socket) {
    this.name = name;
    this.socket = socket;
    this.receiver = new Thread(this::receive, "udp-server-" + name);
    this.receiver.setDaemon(true);
    this.receiver.start();
  }

  /** A server named {@code name} on {@code host} ({@code 127.0.0.1} or {@code ::1}). */
  public static UdpServer start(String name, String host) throws IOException {
    return new UdpServer(name, new DatagramSocket(new InetSocketAddress(host, 0)));
  }

  public static UdpServer start(String name) throws IOException {
    return start(name, "127.0.0.1");
  }

  /** Whether to answer each datagram (the default) or only record it. */
  public UdpServer answering(boolean answering) {
    this.answering = answering;
    return this;
  }

  private void receive() {
    byte[] buffer = new byte[65_536];
    while (!socket.isClosed()) {
      DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
      try {
        socket.receive(packet);
      } catch (IOException e) {
        return;
      }
      byte[] bytes = Arrays.copyOf(packet.getData(), packet.getLength());
      InetSocketAddress sender = (InetSocketAddress) packet.getSocketAddress();
      received.add(new Received(bytes, sender));
      if (answering) {
        byte[] answer =
            (name + ":" + new String(bytes, StandardCharsets.ISO_8859_1))
                .getBytes(StandardCharsets.ISO_8859_1);
        try {
          socket.send(new DatagramPacket(answer, answer.length, sender));
        } catch (IOException e) {
          // The flow's socket may be closed already (evicted): nothing to answer.
        }
      }
    }
  }

  public String name() {
    return name;
  }

  /** {@code host:port} as a config's server address. */
  public String address() {
    InetAddress host = socket.getLocalAddress();
    String text = host.getHostAddress();
    return (text.contains(":") ? "[" + text + "]" : text) + ":" + socket.getLocalPort();
  }

  public List<Received> received() {
    return received;
  }

  /** The texts received so far, in order. */
  public List<String> texts() {
    return received.stream().map(Received::text).toList();
  }

  @Override
  public void close() throws SocketException {
    socket.close();
    try {
      receiver.join(2_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
