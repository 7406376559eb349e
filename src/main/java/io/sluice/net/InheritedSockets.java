package io.sluice.net;

import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.Socket;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Listening sockets received from the process this one takes over, each with the address it is
 * bound to. Listeners take the ones whose address they are configured with; whatever is left
 * belongs to listeners the new configuration no longer has, and is closed.
 *
 * <p>Threads: used by the thread that starts the runtime, before traffic starts.
 */
public final class InheritedSockets {
  /** One received descriptor and the address the kernel says it is bound to. */
  record Inherited(int fd, SocketAddress address) {}

  private final List<Inherited> sockets = new ArrayList<>();

  /** No sockets: a normal start. */
  public static InheritedSockets none() {
    return new InheritedSockets();
  }

  /** Wraps received descriptors, asking the kernel what each is bound to. */
  public static InheritedSockets of(List<FileDescriptor> descriptors) throws IOException {
    InheritedSockets inherited = new InheritedSockets();
    for (FileDescriptor descriptor : descriptors) {
      int fd = descriptor.intValue();
      // A view of the descriptor that is never closed through: the adopting channel owns it.
      Socket view = new Socket(fd);
      SocketAddress address = view.localAddress();
      if (address == null) {
        address = view.localDomainSocketAddress();
      }
      if (address == null) {
        throw new IOException("a received descriptor is not a bound socket: " + fd);
      }
      inherited.sockets.add(new Inherited(fd, address));
    }
    return inherited;
  }

  /** Removes and returns the descriptors bound to {@code configured}. */
  List<Integer> take(SocketAddress configured) {
    List<Integer> taken = new ArrayList<>();
    Iterator<Inherited> each = sockets.iterator();
    while (each.hasNext()) {
      Inherited socket = each.next();
      if (sameAddress(configured, socket.address())) {
        taken.add(socket.fd());
        each.remove();
      }
    }
    return taken;
  }

  private static boolean sameAddress(SocketAddress configured, SocketAddress bound) {
    if (configured instanceof InetSocketAddress want && bound instanceof InetSocketAddress have) {
      if (want.getPort() == 0 || want.getPort() != have.getPort() || want.getAddress() == null) {
        return false;
      }
      return want.getAddress().equals(have.getAddress())
          || (want.getAddress().isAnyLocalAddress() && have.getAddress().isAnyLocalAddress());
    }
    if (configured instanceof DomainSocketAddress want
        && bound instanceof DomainSocketAddress have) {
      return want.path().equals(have.path());
    }
    return false;
  }

  /** How many descriptors no listener took. */
  public int remaining() {
    return sockets.size();
  }

  /** The addresses of the descriptors no listener took, as text. */
  public List<String> remainingAddresses() {
    List<String> addresses = new ArrayList<>();
    sockets.forEach(s -> addresses.add(SocketAddresses.format(s.address())));
    return addresses;
  }

  /** Closes the descriptors no listener took: their listeners are gone from the configuration. */
  public void closeRemaining() {
    for (Inherited socket : sockets) {
      try {
        new FileDescriptor(socket.fd()).close();
      } catch (IOException e) {
        // Already closed: nothing is left to release.
      }
    }
    sockets.clear();
  }
}
