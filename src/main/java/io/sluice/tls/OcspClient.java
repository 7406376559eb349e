package io.sluice.tls;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x509.AccessDescription;
import org.bouncycastle.asn1.x509.AuthorityInformationAccess;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.ocsp.BasicOCSPResp;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.CertificateStatus;
import org.bouncycastle.cert.ocsp.OCSPException;
import org.bouncycastle.cert.ocsp.OCSPReqBuilder;
import org.bouncycastle.cert.ocsp.OCSPResp;
import org.bouncycastle.cert.ocsp.RevokedStatus;
import org.bouncycastle.cert.ocsp.SingleResp;
import org.bouncycastle.operator.ContentVerifierProvider;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;

/**
 * Asks a certificate's OCSP responder (RFC 6960) for its status and checks the answer before it is
 * stapled: a successful response, about this very certificate, signed by its issuer or by a
 * responder the issuer delegated to ({@code id-kp-OCSPSigning}), and current.
 *
 * <p>Threads: any; blocking (network), so never an event loop.
 */
final class OcspClient {
  private static final ASN1ObjectIdentifier OCSP_ACCESS = AccessDescription.id_ad_ocsp;
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  /**
   * A checked response.
   *
   * @param der the response as the responder sent it, to staple
   * @param status {@code good}, {@code revoked} or {@code unknown}
   * @param nextUpdate when the responder will have newer information; {@code null}: at any time
   */
  record Answer(byte[] der, String status, Instant thisUpdate, Instant nextUpdate) {}

  private final HttpClient http;

  OcspClient(HttpClient http) {
    this.http = http;
  }

  /** The responder URL in {@code leaf}'s authority information access, or {@code null}. */
  static URI responder(X509Certificate leaf) {
    try {
      X509CertificateHolder holder = new JcaX509CertificateHolder(leaf);
      AuthorityInformationAccess access =
          AuthorityInformationAccess.fromExtensions(holder.getExtensions());
      if (access == null) {
        return null;
      }
      for (AccessDescription description : access.getAccessDescriptions()) {
        GeneralName location = description.getAccessLocation();
        if (OCSP_ACCESS.equals(description.getAccessMethod())
            && location.getTagNo() == GeneralName.uniformResourceIdentifier) {
          String url = location.getName().toString();
          if (url.startsWith("http://") || url.startsWith("https://")) {
            return URI.create(url);
          }
        }
      }
      return null;
    } catch (CertificateEncodingException | IllegalArgumentException e) {
      return null;
    }
  }

  /**
   * Fetches and checks the status of {@code leaf}.
   *
   * @throws IOException saying what went wrong: unreachable, HTTP error, bad or foreign response
   */
  Answer fetch(URI responder, X509Certificate leaf, X509Certificate issuer)
      throws IOException, InterruptedException {
    CertificateID id = certificateId(leaf, issuer);
    byte[] request;
    try {
      request = new OCSPReqBuilder().addRequest(id).build().getEncoded();
    } catch (OCSPException e) {
      throw new IOException("cannot encode the OCSP request: " + e.getMessage(), e);
    }
    HttpResponse<byte[]> response =
        http.send(
            HttpRequest.newBuilder(responder)
                .timeout(TIMEOUT)
                .header("Content-Type", "application/ocsp-request")
                .header("Accept", "application/ocsp-response")
                .POST(HttpRequest.BodyPublishers.ofByteArray(request))
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    if (response.statusCode() != 200) {
      throw new IOException(responder + " answered HTTP " + response.statusCode());
    }
    return check(response.body(), id, issuer);
  }

  /** Checks {@code der} as the answer about {@code id}. */
  static Answer check(byte[] der, CertificateID id, X509Certificate issuer) throws IOException {
    OCSPResp ocsp = new OCSPResp(der);
    if (ocsp.getStatus() != OCSPResp.SUCCESSFUL) {
      throw new IOException("the responder answered status " + ocsp.getStatus());
    }
    BasicOCSPResp basic;
    try {
      basic = (BasicOCSPResp) ocsp.getResponseObject();
    } catch (OCSPException | ClassCastException e) {
      throw new IOException("not a basic OCSP response: " + e.getMessage(), e);
    }
    if (basic == null) {
      throw new IOException("an empty OCSP response");
    }
    verifySignature(basic, issuer);
    for (SingleResp single : basic.getResponses()) {
      if (single.getCertID().equals(id)) {
        Instant thisUpdate = single.getThisUpdate().toInstant();
        Date next = single.getNextUpdate();
        Instant nextUpdate = next == null ? null : next.toInstant();
        if (nextUpdate != null && nextUpdate.isBefore(Instant.now())) {
          throw new IOException("the response expired at " + nextUpdate);
        }
        return new Answer(der, status(single.getCertStatus()), thisUpdate, nextUpdate);
      }
    }
    throw new IOException("the response is about another certificate");
  }

  private static String status(CertificateStatus status) {
    if (status == CertificateStatus.GOOD) {
      return "good";
    }
    return status instanceof RevokedStatus ? "revoked" : "unknown";
  }

  private static void verifySignature(BasicOCSPResp basic, X509Certificate issuer)
      throws IOException {
    try {
      JcaContentVerifierProviderBuilder verifiers = new JcaContentVerifierProviderBuilder();
      if (basic.isSignatureValid(verifiers.build(issuer.getPublicKey()))) {
        return;
      }
      ContentVerifierProvider byIssuer = verifiers.build(issuer.getPublicKey());
      for (X509CertificateHolder delegate : basic.getCerts()) {
        boolean delegated =
            delegate.isSignatureValid(byIssuer)
                && delegate.getIssuer().equals(new JcaX509CertificateHolder(issuer).getSubject())
                && delegate.isValidOn(new Date())
                && org.bouncycastle.asn1.x509.ExtendedKeyUsage.fromExtensions(
                        delegate.getExtensions())
                    != null
                && org.bouncycastle.asn1.x509.ExtendedKeyUsage.fromExtensions(
                        delegate.getExtensions())
                    .hasKeyPurposeId(KeyPurposeId.id_kp_OCSPSigning)
                && basic.isSignatureValid(verifiers.build(delegate));
        if (delegated) {
          return;
        }
      }
    } catch (OperatorCreationException
        | OCSPException
        | org.bouncycastle.cert.CertException
        | java.security.cert.CertificateException e) {
      throw new IOException("cannot check the response's signature: " + e.getMessage(), e);
    }
    throw new IOException("the response is signed neither by the issuer nor by its delegate");
  }

  static CertificateID certificateId(X509Certificate leaf, X509Certificate issuer)
      throws IOException {
    try {
      return new CertificateID(
          new JcaDigestCalculatorProviderBuilder().build().get(CertificateID.HASH_SHA1),
          new JcaX509CertificateHolder(issuer),
          leaf.getSerialNumber());
    } catch (OperatorCreationException | OCSPException | CertificateEncodingException e) {
      throw new IOException("cannot name the certificate to OCSP: " + e.getMessage(), e);
    }
  }
}
