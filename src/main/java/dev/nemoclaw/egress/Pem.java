package dev.nemoclaw.egress;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/** Certificates as PEM text: the format every TLS client's trust bundle uses. */
final class Pem {
  private static final String BEGIN = "-----BEGIN CERTIFICATE-----";
  private static final String END = "-----END CERTIFICATE-----";

  private Pem() {}

  static String encode(X509Certificate c) {
    try {
      return BEGIN + "\n" + Base64.getMimeEncoder(64, new byte[] {'\n'})
          .encodeToString(c.getEncoded()) + "\n" + END + "\n";
    } catch (CertificateEncodingException e) {
      throw new IllegalStateException("cannot encode " + c.getSubjectX500Principal(), e);
    }
  }

  /**
   * Every certificate in a PEM bundle. Text around the blocks (comments, titles, as some
   * distributions' bundles carry) is skipped.
   */
  static List<X509Certificate> decode(String pem) throws CertificateException {
    CertificateFactory f = CertificateFactory.getInstance("X.509");
    List<X509Certificate> out = new ArrayList<>();
    for (int at = pem.indexOf(BEGIN); at >= 0; at = pem.indexOf(BEGIN, at)) {
      int end = pem.indexOf(END, at);
      if (end < 0) {
        throw new CertificateException("a certificate block has no END line");
      }
      byte[] der = Base64.getMimeDecoder().decode(pem.substring(at + BEGIN.length(), end));
      out.add((X509Certificate) f.generateCertificate(new ByteArrayInputStream(der)));
      at = end + END.length();
    }
    return out;
  }

  static List<X509Certificate> decode(byte[] pem) throws CertificateException {
    return decode(new String(pem, StandardCharsets.US_ASCII));
  }
}
