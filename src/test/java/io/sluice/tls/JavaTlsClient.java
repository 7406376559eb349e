package io.sluice.tls;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/** A JDK TLS client that trusts one CA, for tests that move bytes through a TLS listener. */
final class JavaTlsClient {
  private final SSLContext context;

  JavaTlsClient(Path caCert) throws IOException, GeneralSecurityException {
    KeyStore trusted = KeyStore.getInstance("PKCS12");
    trusted.load(null, null);
    try (InputStream in = Files.newInputStream(caCert)) {
      trusted.setCertificateEntry(
          "ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory trust =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(trusted);
    context = SSLContext.getInstance("TLS");
    context.init(null, trust.getTrustManagers(), null);
  }

  /** A connected socket whose handshake for {@code serverName} is done. */
  SSLSocket connect(InetSocketAddress address, String serverName) throws IOException {
    return connect(address, serverName, new byte[0]);
  }

  /** As {@link #connect}, with {@code preamble} (a PROXY header) sent in clear first. */
  SSLSocket connect(InetSocketAddress address, String serverName, byte[] preamble)
      throws IOException {
    Socket plain = new Socket();
    plain.connect(address, 5_000);
    plain.setSoTimeout(20_000);
    plain.setTcpNoDelay(true);
    plain.getOutputStream().write(preamble);
    SSLSocket socket =
        (SSLSocket)
            context
                .getSocketFactory()
                .createSocket(plain, address.getHostString(), address.getPort(), true);
    SSLParameters parameters = socket.getSSLParameters();
    parameters.setServerNames(List.of(new SNIHostName(serverName)));
    socket.setSSLParameters(parameters);
    socket.startHandshake();
    return socket;
  }
}
