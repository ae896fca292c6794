package dev.nemoclaw.egress;

import dev.nemoclaw.policy.Decision;
import dev.nemoclaw.policy.EgressPolicy;
import dev.nemoclaw.policy.EgressRequest;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/**
 * The proxy alone, for benchmarks and manual tests; not part of the user CLI. An allowlist of
 * hosts (names or addresses; an address listed is also "named", so loopback origins work):
 *
 * <pre>java -cp target/classes:target/lib/* dev.nemoclaw.egress.ProxyMain \
 *     --listen 127.0.0.1:3128 --allow 127.0.0.1 [--allow example.com] [--threads N] [--log]</pre>
 */
public final class ProxyMain {
  private ProxyMain() {}

  public static void main(String[] args) throws Exception {
    String listen = "127.0.0.1:3128";
    Set<String> allow = new HashSet<>();
    int threads = 0;
    boolean log = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--listen" -> listen = args[++i];
        case "--allow" -> allow.add(Destination.of(args[++i], 1).host());
        case "--threads" -> threads = Integer.parseInt(args[++i]);
        case "--log" -> log = true;
        default -> {
          System.err.println("usage: ProxyMain [--listen HOST:PORT] [--allow HOST]... "
              + "[--threads N] [--log]");
          System.exit(2);
        }
      }
    }
    Set<String> allowed = Set.copyOf(allow);
    EgressPolicy policy = new EgressPolicy() {
      @Override
      public Decision decide(EgressRequest r) {
        return allowed.contains(r.host())
            ? new Decision.Allow("--allow " + r.host(), "listed with --allow", false)
            : new Decision.Unknown("--allow", "no --allow covers " + r.host(),
                "add --allow " + r.host());
      }

      @Override
      public boolean namesAddress(InetAddress address, int port) {
        return allowed.contains(Destination.canonical(address));
      }
    };
    EgressProxy.Builder b = EgressProxy.builder(policy);
    if (threads > 0) {
      b.threads(threads);
    }
    if (log) {
      b.events(e -> System.err.println(e.toJsonLine()));
    }
    Destination d = Destination.ofAuthority(listen, 3128);
    EgressProxy proxy = b.start();
    InetSocketAddress bound = proxy.bind(new InetSocketAddress(
        d.address().orElseGet(() -> InetAddress.getLoopbackAddress()), d.port()));
    System.err.println("egress proxy on " + bound.getAddress().getHostAddress() + ":"
        + bound.getPort() + (proxy.nativeTransport() ? " (epoll)" : " (nio)"));
    CountDownLatch stop = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      proxy.close();
      stop.countDown();
    }));
    stop.await();
  }
}
