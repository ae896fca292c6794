package dev.nemoclaw.egress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The proxy against arbitrary bytes from the sandbox side, over a real socket: whatever arrives,
 * the proxy answers or closes within 5 s, lets nothing through that the policy does not allow —
 * here only origin.test, which resolves to the loopback origin that the SSRF guard must refuse, so
 * the origin may never see a request at all — and still answers the next client.
 */
class ProxyFuzzTest {
  static Origin origin;
  static EgressProxy proxy;
  static InetSocketAddress at;

  @BeforeAll
  static void start() throws IOException {
    origin = Origin.start("origin");
    Resolver loopback = name -> switch (name) {
      case "origin.test" -> List.of(InetAddress.getByAddress(name, new byte[] {127, 0, 0, 1}));
      default -> throw new UnknownHostException(name);
    };
    proxy = EgressProxy.builder(TestPolicy.allowing(Set.of("origin.test"), Set.of()))
        .resolver(loopback).start();
    at = proxy.bind(new InetSocketAddress("127.0.0.1", 0));
  }

  @AfterAll
  static void stop() throws Exception {
    proxy.close();
    origin.close();
  }

  @FuzzTest(maxDuration = "30s")
  void anyBytesAreAnsweredOrClosedAndNothingLeaks(byte[] request) throws Exception {
    // our own loopback sockets are the test (the origin never being reached is asserted below);
    // Jazzer's SSRF detector would flag them
    try (var loopbackOnly = BugDetectors.allowNetworkConnections(
        (host, port) -> host.equals("127.0.0.1") || host.equals("localhost"))) {
      exchange(request);
    }
  }

  private static void exchange(byte[] request) throws IOException {
    try (Socket s = new Socket(at.getAddress(), at.getPort())) {
      s.setSoTimeout(5000);
      OutputStream out = s.getOutputStream();
      try {
        out.write(request);
        s.shutdownOutput();
      } catch (IOException closedEarly) {
        // the proxy refused and closed before taking it all: an answer too
      }
      drain(s.getInputStream());
    }
    assertEquals(0, origin.seen.size(), () -> "the origin was reached: " + origin.seen);
    try (Socket s = new Socket(at.getAddress(), at.getPort())) {
      s.setSoTimeout(5000);
      s.getOutputStream().write(("GET http://elsewhere.test/ HTTP/1.1\r\nHost: elsewhere.test\r\n"
          + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      assertTrue(answer.startsWith("HTTP/1.1 403"), answer);
    }
  }

  /** Reads to EOF; a proxy that neither answers nor closes within 5 s is a finding. */
  private static void drain(InputStream in) throws IOException {
    byte[] buf = new byte[8192];
    try {
      while (in.read(buf) >= 0) {
        // the answer's content is not the point here
      }
    } catch (SocketTimeoutException e) {
      throw new AssertionError("no answer and no close within 5 s", e);
    } catch (IOException reset) {
      // a reset is a close
    }
  }
}
