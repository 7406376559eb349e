package io.sluice.testing;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/** A blocking UDP client on loopback for tests: sends text, receives one answer with its source. */
public final class UdpClient implements AutoCloseable {
  /** An answer and the address it came from. */
  public record Answer(String text, InetSocketAddress from) {}

  private final DatagramSocket socket;

  private UdpClient(DatagramSocket socket) {
    this.socket = socket;
  }

  /** A client bound to an ephemeral port of {@code host}: any 127.x.y.z address, or ::1. */
  public static UdpClient bound(String host) throws IOException {
    DatagramSocket socket = new DatagramSocket(new InetSocketAddress(host, 0));
    socket.setSoTimeout(5_000);
    return new UdpClient(socket);
  }

  public void send(String text, SocketAddress to) throws IOException {
    byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
    socket.send(new DatagramPacket(bytes, bytes.length, to));
  }

  /** The next answer, or {@code null} after {@code timeoutMillis} without one. */
  public Answer receive(int timeoutMillis) throws IOException {
    byte[] buffer = new byte[65_536];
    DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
    socket.setSoTimeout(timeoutMillis);
    try {
      socket.receive(packet);
    } catch (SocketTimeoutException e) {
      return null;
    }
    return new Answer(
        new String(packet.getData(), 0, packet.getLength(), StandardCharsets.ISO_8859_1),
        (InetSocketAddress) packet.getSocketAddress());
  }

  public InetSocketAddress localAddress() {
    return (InetSocketAddress) socket.getLocalSocketAddress();
  }

  @Override
  public void close() {
    socket.close();
  }
}
