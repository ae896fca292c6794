package dev.nemoclaw.audit;

import static dev.nemoclaw.audit.AuditFixture.KEY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Forwarding a written log to real syslog receivers on 127.0.0.1: a UDP socket taking one
 * message per datagram and a TCP server parsing octet-counted frames (RFC 6587); every event
 * arrives, in order, with its sandbox and seq; a tampered log stops at the bad record.
 */
@Timeout(60)
public class SyslogForwardingTest {
  @TempDir Path dir;
  private static final ObjectMapper JSON = new ObjectMapper();
  static final Pattern RFC5424 = Pattern.compile("<(\\d+)>1 (\\S+) (\\S+) nemoclaw - (\\S+)"
      + " \\[nemoclaw@32473 sandbox=\"([^\"]*)\" seq=\"(\\d+)\"(?: truncated=\"\\d+\")?\\] (.*)",
      Pattern.DOTALL);

  /** One received message, parsed. */
  record Message(int pri, String time, String host, String msgId, String sandbox, long seq,
      String msg) {
    static Message parse(String s) {
      Matcher m = RFC5424.matcher(s);
      assertTrue(m.matches(), "not an RFC 5424 message of ours: " + s);
      return new Message(Integer.parseInt(m.group(1)), m.group(2), m.group(3), m.group(4),
          m.group(5), Long.parseLong(m.group(6)), m.group(7));
    }
  }

  /** Reads octet-counted frames ({@code LEN SP MSG}) until the sender closes. */
  public static List<String> octetCounted(InputStream in) throws IOException {
    DataInputStream d = new DataInputStream(in);
    List<String> out = new ArrayList<>();
    while (true) {
      int c = d.read();
      if (c < 0) {
        return out;
      }
      int len = 0;
      while (c != ' ') {
        assertTrue(c >= '0' && c <= '9', "a frame starts with its length, not " + (char) c);
        len = len * 10 + (c - '0');
        c = d.read();
        if (c < 0) {
          throw new EOFException("the stream ends inside a frame length");
        }
      }
      byte[] b = new byte[len];
      d.readFully(b);
      out.add(new String(b, StandardCharsets.UTF_8));
    }
  }

  private static CompletableFuture<List<String>> tcpReceiver(ServerSocket server) {
    return CompletableFuture.supplyAsync(() -> {
      try (Socket s = server.accept()) {
        return octetCounted(s.getInputStream());
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
  }

  private static void assertArrivedInOrder(List<String> received, String sandbox,
      List<Long> seqs) throws IOException {
    assertEquals(seqs.size(), received.size(), "every event arrives");
    for (int i = 0; i < received.size(); i++) {
      Message m = Message.parse(received.get(i));
      assertEquals(sandbox, m.sandbox());
      assertEquals(seqs.get(i), m.seq(), "in order");
      JsonNode e = JSON.readTree(m.msg());
      assertEquals(m.seq(), e.at("/metadata/sequence").asLong());
      assertEquals(e.get("class_uid").asText(), m.msgId());
      assertEquals(16 * 8 + Syslog.severity(e.get("severity_id").asInt()), m.pri());
      assertEquals(Syslog.timestamp(e.get("time").asLong()), m.time());
    }
  }

  /** The fixture's log of {@code n} events: seq 1 and n + 2 are checkpoints. */
  private static List<Long> eventSeqs(int n) {
    return LongStream.rangeClosed(2, n + 1).boxed().toList();
  }

  @Test
  void everyEventArrivesOverTcpInOrder() throws Exception {
    AuditLog log = AuditFixture.write(dir, "agent", 200, AuditWriter.Options.defaults());
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      CompletableFuture<List<String>> got = tcpReceiver(server);
      Verification v;
      try (SyslogSender s = SyslogSender.open(new Syslog.Target(Syslog.Transport.TCP,
          "127.0.0.1", server.getLocalPort()), Syslog.Facility.LOCAL0, "host-1", "agent", 8192)) {
        v = Export.send(log, KEY, Export.Format.OCSF, s);
        assertEquals(200, s.sent());
      }
      assertInstanceOf(Verification.Intact.class, v);
      assertArrivedInOrder(got.get(30, TimeUnit.SECONDS), "agent", eventSeqs(200));
    }
  }

  @Test
  void everyEventArrivesOverUdpOnePerDatagram() throws Exception {
    AuditLog log = AuditFixture.write(dir, "agent", 40, AuditWriter.Options.defaults());
    try (DatagramSocket receiver = new DatagramSocket(new InetSocketAddress(
        InetAddress.getLoopbackAddress(), 0))) {
      receiver.setReceiveBufferSize(1 << 20);
      receiver.setSoTimeout(10_000);
      try (SyslogSender s = SyslogSender.open(new Syslog.Target(Syslog.Transport.UDP,
          "127.0.0.1", receiver.getLocalPort()), Syslog.Facility.LOCAL0, "host-1", "agent", 8192)) {
        assertInstanceOf(Verification.Intact.class, Export.send(log, KEY, Export.Format.OCSF, s));
      }
      List<String> got = new ArrayList<>();
      byte[] buf = new byte[65_536];
      for (int i = 0; i < 40; i++) {
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        receiver.receive(p);
        got.add(new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8));
      }
      assertArrivedInOrder(got, "agent", eventSeqs(40));
    }
  }

  @Test
  void cefAndJsonlTravelToo() throws Exception {
    AuditLog log = AuditFixture.write(dir, "agent", 16, AuditWriter.Options.defaults());
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      CompletableFuture<List<String>> got = tcpReceiver(server);
      try (SyslogSender s = SyslogSender.open(new Syslog.Target(Syslog.Transport.TCP,
          "127.0.0.1", server.getLocalPort()), Syslog.Facility.LOCAL0, "h", "agent", 8192)) {
        Export.send(log, KEY, Export.Format.JSONL, s);
      }
      List<String> jsonl = got.get(30, TimeUnit.SECONDS);
      // jsonl is the stored records verbatim, checkpoints included, so a copy re-verifies
      List<String> stored = AuditFixture.lines(log.files().getFirst());
      assertEquals(stored.size(), jsonl.size());
      for (int i = 0; i < stored.size(); i++) {
        Message m = Message.parse(jsonl.get(i));
        assertEquals(i + 1, m.seq());
        assertEquals(stored.get(i), m.msg());
      }
      assertEquals("checkpoint", Message.parse(jsonl.getFirst()).msgId());
    }
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      CompletableFuture<List<String>> got = tcpReceiver(server);
      try (SyslogSender s = SyslogSender.open(new Syslog.Target(Syslog.Transport.TCP,
          "127.0.0.1", server.getLocalPort()), Syslog.Facility.LOCAL0, "h", "agent", 8192)) {
        Export.send(log, KEY, Export.Format.CEF, s);
      }
      List<String> cef = got.get(30, TimeUnit.SECONDS);
      assertEquals(16, cef.size());
      assertTrue(cef.stream().map(Message::parse)
          .allMatch(m -> m.msg().startsWith("CEF:0|nemoclaw|nemoclaw|")), cef::toString);
    }
  }

  @Test
  void aTamperedLogStopsForwardingAtTheBadRecord() throws Exception {
    AuditLog log = AuditFixture.write(dir, "agent", 50, AuditWriter.Options.defaults());
    Path file = log.files().getFirst();
    List<String> lines = AuditFixture.lines(file);
    char[] c = lines.get(19).toCharArray();
    c[150] = c[150] == 'a' ? 'b' : 'a';
    lines.set(19, new String(c));
    AuditFixture.writeLines(file, lines);
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      CompletableFuture<List<String>> got = tcpReceiver(server);
      Verification v;
      try (SyslogSender s = SyslogSender.open(new Syslog.Target(Syslog.Transport.TCP,
          "127.0.0.1", server.getLocalPort()), Syslog.Facility.LOCAL0, "h", "agent", 8192)) {
        v = Export.send(log, KEY, Export.Format.OCSF, s);
      }
      Verification.Broken bad = assertInstanceOf(Verification.Broken.class, v);
      assertEquals(20, bad.problem().line());
      assertEquals(Problem.Kind.MODIFIED, bad.problem().kind());
      assertArrivedInOrder(got.get(30, TimeUnit.SECONDS), "agent",
          LongStream.rangeClosed(2, 19).boxed().toList());
    }
  }

  @Test
  void aReceiverThatIsNotThereIsAClearError() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Syslog.Target t = new Syslog.Target(Syslog.Transport.TCP, "127.0.0.1", port);
    IOException e = assertThrows(IOException.class,
        () -> SyslogSender.open(t, Syslog.Facility.LOCAL0, "h", "a", 8192));
    assertTrue(e.getMessage().startsWith("cannot connect to tcp://127.0.0.1:" + port + ": "),
        e.getMessage());
  }

  @Test
  void followingForwardsWhatIsAppendedLater() throws Exception {
    AuditLog log = AuditFixture.write(dir, "agent", 5, AuditWriter.Options.defaults());
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      CompletableFuture<List<String>> got = tcpReceiver(server);
      SyslogSender s = SyslogSender.open(new Syslog.Target(Syslog.Transport.TCP, "127.0.0.1",
          server.getLocalPort()), Syslog.Facility.LOCAL0, "h", "agent", 8192);
      Thread follower = Thread.ofPlatform().start(() -> {
        try (s) {
          Export.sendFollowing(log, KEY, Export.Format.OCSF, s);
        } catch (InterruptedException e) {
          // the end of following
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      try (AuditWriter w = log.openWriter(KEY)) {
        for (int i = 0; i < 7; i++) {
          w.append(AuditFixture.event(i));
        }
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (s.sent() < 12 && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      follower.interrupt();
      follower.join();
      // 5 events, close and open checkpoints (not sent), 7 more
      List<Long> seqs = new ArrayList<>(eventSeqs(5));
      LongStream.rangeClosed(9, 15).forEach(seqs::add);
      assertArrivedInOrder(got.get(30, TimeUnit.SECONDS), "agent", seqs);
    }
  }
  @Test
  void overTlsTheReceiverIsVerifiedAndGetsEveryEvent() throws Exception {
    AuditLog log = AuditFixture.write(dir, "agent", 20, AuditWriter.Options.defaults());
    java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("EC");
    g.initialize(256);
    java.security.KeyPair k = g.generateKeyPair();
    org.bouncycastle.asn1.x500.X500Name name = new org.bouncycastle.asn1.x500.X500Name("CN=localhost");
    java.time.Instant now = java.time.Instant.now();
    java.security.cert.X509Certificate cert = new org.bouncycastle.cert.jcajce.JcaX509CertificateConverter()
        .getCertificate(new org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder(name,
            java.math.BigInteger.ONE, java.util.Date.from(now.minusSeconds(3600)),
            java.util.Date.from(now.plusSeconds(86_400)), name, k.getPublic())
            .addExtension(org.bouncycastle.asn1.x509.Extension.subjectAlternativeName, false,
                new org.bouncycastle.asn1.x509.GeneralNames(new org.bouncycastle.asn1.x509.GeneralName(
                    org.bouncycastle.asn1.x509.GeneralName.dNSName, "localhost")))
            .build(new org.bouncycastle.operator.jcajce.JcaContentSignerBuilder("SHA256withECDSA")
                .build(k.getPrivate())));
    java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    ks.setKeyEntry("leaf", k.getPrivate(), "x".toCharArray(), new java.security.cert.Certificate[] {cert});
    javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance("SunX509");
    kmf.init(ks, "x".toCharArray());
    javax.net.ssl.SSLContext server = javax.net.ssl.SSLContext.getInstance("TLS");
    server.init(kmf.getKeyManagers(), null, null);
    java.security.KeyStore trust = java.security.KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("receiver", cert);
    javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(
        javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    javax.net.ssl.SSLContext client = javax.net.ssl.SSLContext.getInstance("TLS");
    client.init(null, tmf.getTrustManagers(), null);

    try (ServerSocket ss = server.getServerSocketFactory().createServerSocket(0, 2,
        InetAddress.getLoopbackAddress())) {
      Syslog.Target t = new Syslog.Target(Syslog.Transport.TLS, "localhost", ss.getLocalPort());
      // the default trust store does not know this receiver: refused at the handshake
      CompletableFuture<Void> refused = CompletableFuture.runAsync(() -> {
        try (Socket s = ss.accept()) {
          s.getInputStream().read();
        } catch (IOException expected) {
          // the client gave up on the handshake
        }
      });
      IOException e = assertThrows(IOException.class,
          () -> SyslogSender.open(t, Syslog.Facility.LOCAL0, "h", "agent", 8192));
      assertTrue(e.getMessage().startsWith("cannot connect to " + t + ": "), e.getMessage());
      refused.get(10, TimeUnit.SECONDS);

      CompletableFuture<List<String>> got = tcpReceiver(ss);
      try (SyslogSender s = SyslogSender.open(t, Syslog.Facility.LOCAL0, "host-1", "agent", 8192,
          client.getSocketFactory())) {
        assertInstanceOf(Verification.Intact.class, Export.send(log, KEY, Export.Format.OCSF, s));
      }
      assertArrivedInOrder(got.get(30, TimeUnit.SECONDS), "agent", eventSeqs(20));
    }
  }
}
