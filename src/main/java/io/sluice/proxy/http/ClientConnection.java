package io.sluice.proxy.http;

import io.sluice.net.SocketAddresses;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.HexFormat;

/**
 * What every request of one client connection shares: who the client is (its address, the PROXY
 * header's when accepted), whether it came over TLS, and its certificate, encoded once for the
 * headers that carry it to servers.
 *
 * <p>Threads: the connection's event loop (HTTP/2 streams run on their parent's loop).
 */
final class ClientConnection {
  private SocketAddress address;
  private String addressText;
  private String ip;
  private final boolean https;
  private String tlsSummary;
  private X509Certificate certificate;
  private String escapedPem;
  private String escapedDer;
  private String sha256;

  ClientConnection(SocketAddress address, boolean https) {
    this.https = https;
    address(address);
  }

  /** The client's address, replaced by the one a PROXY header carried. */
  void address(SocketAddress address) {
    this.address = address;
    this.addressText = SocketAddresses.format(address);
    this.ip =
        address instanceof InetSocketAddress inet ? inet.getAddress().getHostAddress() : "unix";
  }

  SocketAddress address() {
    return address;
  }

  /** {@code ip:port}, for logs. */
  String addressText() {
    return addressText;
  }

  /** The client's IP address alone, for X-Forwarded-For. */
  String ip() {
    return ip;
  }

  long hash() {
    return address instanceof InetSocketAddress inet
        ? inet.getAddress().hashCode() * 0x9E3779B97F4A7C15L
        : 0;
  }

  boolean https() {
    return https;
  }

  void tls(String summary, X509Certificate certificate) {
    this.tlsSummary = summary;
    this.certificate = certificate;
  }

  String tlsSummary() {
    return tlsSummary;
  }

  X509Certificate certificate() {
    return certificate;
  }

  /** The certificate as PEM, URL-escaped: nginx's {@code $ssl_client_escaped_cert}. */
  String escapedPem() {
    if (escapedPem == null && certificate != null) {
      String pem =
          "-----BEGIN CERTIFICATE-----\n"
              + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der())
              + "\n-----END CERTIFICATE-----\n";
      escapedPem = escape(pem);
    }
    return escapedPem;
  }

  /** The certificate as base64 DER, URL-escaped: Traefik's {@code X-Forwarded-Tls-Client-Cert}. */
  String escapedDer() {
    if (escapedDer == null && certificate != null) {
      escapedDer = escape(Base64.getEncoder().encodeToString(der()));
    }
    return escapedDer;
  }

  /** The certificate's SHA-256 fingerprint, lower-case hex. */
  String sha256() {
    if (sha256 == null && certificate != null) {
      try {
        sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(der()));
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("every Java platform has SHA-256", e);
      }
    }
    return sha256;
  }

  private byte[] der() {
    try {
      return certificate.getEncoded();
    } catch (CertificateEncodingException e) {
      // The certificate came off the wire as DER; re-encoding it cannot fail.
      throw new IllegalStateException(e);
    }
  }

  /** Percent-encodes every byte but RFC 3986's unreserved characters. */
  static String escape(String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    StringBuilder out = new StringBuilder(bytes.length * 3 / 2);
    for (byte b : bytes) {
      char c = (char) (b & 0xFF);
      if ((c >= 'a' && c <= 'z')
          || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9')
          || c == '-'
          || c == '.'
          || c == '_'
          || c == '~') {
        out.append(c);
      } else {
        out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)));
        out.append(Character.toUpperCase(Character.forDigit(c & 0xF, 16)));
      }
    }
    return out.toString();
  }
}
