package dev.nemoclaw.egress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sandbox CA's certificates: what TLS clients check, and OpenSSL's own verdict on them. */
class SandboxCaTest {
  static final String BASIC_CONSTRAINTS = "2.5.29.19";
  static final String KEY_USAGE = "2.5.29.15";
  static SandboxCa ca;

  @TempDir Path dir;

  @BeforeAll
  static void make() {
    ca = SandboxCa.create("demo");
  }

  @Test
  void theCaIsACaNamedForTheSandboxValidFromAnHourAgoForABoundedTime() throws Exception {
    X509Certificate c = ca.certificate();
    assertTrue(c.getSubjectX500Principal().getName().contains("CN=nemoclaw sandbox CA demo"),
        c.getSubjectX500Principal().getName());
    assertTrue(c.getBasicConstraints() >= 0, "basicConstraints CA:true");
    assertTrue(c.getCriticalExtensionOIDs().containsAll(Set.of(BASIC_CONSTRAINTS, KEY_USAGE)));
    assertTrue(c.getKeyUsage()[5], "keyCertSign");
    assertEquals("EC", c.getPublicKey().getAlgorithm());
    c.verify(c.getPublicKey());
    Instant now = Instant.now();
    Duration back = Duration.between(c.getNotBefore().toInstant(), now);
    assertTrue(back.compareTo(Duration.ofMinutes(59)) > 0
        && back.compareTo(Duration.ofMinutes(61)) < 0, back.toString());
    assertTrue(c.getNotAfter().toInstant().isBefore(now.plus(Duration.ofDays(31))));
  }

  @Test
  void leavesNameTheirHostForServerAuthWithinTheCaValidity() throws Exception {
    X509Certificate leaf = ca.leaf("api.example.com");
    leaf.verify(ca.certificate().getPublicKey());
    assertEquals(List.of(List.of(2, "api.example.com")), sans(leaf));
    assertEquals(List.of("1.3.6.1.5.5.7.3.1"), leaf.getExtendedKeyUsage());
    assertEquals(-1, leaf.getBasicConstraints());
    assertFalse(leaf.getNotBefore().before(ca.certificate().getNotBefore()));
    assertFalse(leaf.getNotAfter().after(ca.certificate().getNotAfter()));
    assertEquals(List.of(List.of(7, "203.0.113.7")), sans(ca.leaf("203.0.113.7")));
    assertEquals(List.of(List.of(7, "2001:db8:0:0:0:0:0:1")), sans(ca.leaf("2001:db8::1")));
    String longName = "a".repeat(60) + ".example.com";
    assertEquals(List.of(List.of(2, longName)), sans(ca.leaf(longName)));
  }

  static List<List<Object>> sans(X509Certificate c) throws Exception {
    return c.getSubjectAlternativeNames().stream().map(l -> List.<Object>copyOf(l)).toList();
  }

  @Test
  void contextsAreMadeOncePerHost() {
    assertSame(ca.serverContext("a.example"), ca.serverContext("a.example"));
    assertFalse(ca.serverContext("a.example") == ca.serverContext("b.example"));
  }

  @Test
  void thePemIsTheCertificate() throws Exception {
    String pem = ca.certificatePem();
    assertTrue(pem.startsWith("-----BEGIN CERTIFICATE-----\n"));
    assertEquals(List.of(ca.certificate()), Pem.decode("# a title\n" + pem + "trailing text\n"));
  }

  /** OpenSSL (what curl, Python and git use) accepts the chain, strictly, for the right name. */
  @Test
  void openSslAcceptsTheLeafForItsNameOnly() throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/openssl")), "no /usr/bin/openssl");
    Path caPem = Files.writeString(dir.resolve("ca.pem"), ca.certificatePem());
    Path leaf = Files.writeString(dir.resolve("leaf.pem"), Pem.encode(ca.leaf("origin.test")));
    Path ipLeaf = Files.writeString(dir.resolve("ip.pem"), Pem.encode(ca.leaf("203.0.113.7")));
    assertEquals("OK", openssl("-verify_hostname", "origin.test", caPem, leaf));
    assertEquals("OK", openssl("-verify_ip", "203.0.113.7", caPem, ipLeaf));
    assertFalse(openssl("-verify_hostname", "other.test", caPem, leaf).equals("OK"));
  }

  private String openssl(String check, String name, Path caPem, Path leaf) throws Exception {
    Process p = new ProcessBuilder("/usr/bin/openssl", "verify", "-x509_strict", "-purpose",
        "sslserver", check, name, "-CAfile", caPem.toString(), leaf.toString())
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    return p.exitValue() == 0 && out.strip().endsWith(": OK") ? "OK" : out;
  }

  @Test
  void hostTrustPrefersSslCertFileThenTheSystemBundle() throws Exception {
    assertEquals(Optional.of(Path.of("/x/roots.pem")),
        HostTrust.bundleFile(Map.of("SSL_CERT_FILE", "/x/roots.pem"), p -> true));
    assertEquals(Optional.of(HostTrust.SYSTEM_BUNDLE), HostTrust.bundleFile(Map.of(), p -> true));
    assertEquals(Optional.empty(), HostTrust.bundleFile(Map.of(), p -> false));
  }

  @Test
  void hostTrustReadsABundleAndAddsTheCaToIt() throws Exception {
    TestCa one = TestCa.create("one");
    Path bundle = Files.writeString(dir.resolve("roots.pem"), "# roots\n" + Pem.encode(one.cert));
    HostTrust t = HostTrust.load(Map.of("SSL_CERT_FILE", bundle.toString()));
    assertEquals(List.of(one.cert), t.roots());
    assertEquals(List.of(one.cert, ca.certificate()), Pem.decode(t.bundleWith(ca.certificate())));
    IOException e = assertThrows(IOException.class,
        () -> HostTrust.load(Map.of("SSL_CERT_FILE", dir.resolve("missing.pem").toString())));
    assertTrue(e.getMessage().contains("missing.pem"), e.getMessage());
  }
}
