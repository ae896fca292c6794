package dev.nemoclaw.sandbox;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * What the supervisor wires in at launch time and a plan does not say: where its egress proxy
 * listens, who hears status events as they come, how long a timed-out sandbox gets between SIGTERM
 * and SIGKILL.
 *
 * @param proxySocket the supervisor's unix socket the in-sandbox bridge forwards to (proxy mode)
 * @param listener called on the status-reader thread for each event, in order; must not block
 */
public record LaunchOptions(
    Optional<Path> proxySocket, Consumer<StatusEvent> listener, Duration timeoutGrace) {

  public LaunchOptions {
    Objects.requireNonNull(proxySocket);
    Objects.requireNonNull(listener);
    if (timeoutGrace.isNegative()) {
      throw new IllegalArgumentException("timeoutGrace < 0");
    }
  }

  public static LaunchOptions defaults() {
    return new LaunchOptions(Optional.empty(), e -> {}, Duration.ofSeconds(2));
  }

  public LaunchOptions withProxySocket(Path socket) {
    return new LaunchOptions(Optional.of(socket), listener, timeoutGrace);
  }

  public LaunchOptions withListener(Consumer<StatusEvent> l) {
    return new LaunchOptions(proxySocket, l, timeoutGrace);
  }

  public LaunchOptions withTimeoutGrace(Duration grace) {
    return new LaunchOptions(proxySocket, listener, grace);
  }
}
