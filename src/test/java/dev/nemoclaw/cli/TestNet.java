package dev.nemoclaw.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A "public" address for origin servers the sandbox reaches through the proxy: 203.0.113.7
 * (TEST-NET-3) on the host's loopback device, so the SSRF guard treats it as any internet host
 * while nothing leaves the machine. Needs root; other tests are skipped without it.
 */
final class TestNet {
  static final String IP = "203.0.113.7";

  private TestNet() {}

  /** Adds the address; true when this call added it (so the caller removes it again). */
  static boolean add() throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")), "needs root to add " + IP);
    Process p = new ProcessBuilder("ip", "addr", "add", IP + "/32", "dev", "lo")
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    boolean added = p.waitFor() == 0;
    assertTrue(added || out.contains("exists") || out.contains("already assigned"), out);
    return added;
  }

  static void remove(boolean added) throws Exception {
    if (added) {
      new ProcessBuilder("ip", "addr", "del", IP + "/32", "dev", "lo").start().waitFor();
    }
  }
}
