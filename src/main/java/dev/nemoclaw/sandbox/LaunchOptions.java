package dev.nemoclaw.sandbox;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * What the supervisor wires in at launch time and a plan does not say: who takes the connections
 * the sandbox's bridge hands over (its egress proxy), who hears status events as they come, how
 * long a timed-out sandbox gets between SIGTERM and SIGKILL, whether the agent gets a terminal.
 *
 * @param bridge takes each connection to the proxy port inside (network mode proxy); without one
 *     such connections are closed at once
 * @param listener called on the status-reader thread for each event, in order; must not block
 * @param terminal give the agent a pty of its own, relayed to the caller's terminal (set it when
 *     stdin and stdout are a terminal)
 * @param output also hear what the sandbox writes: its stdout and stderr then pass through the
 *     supervisor (still to the caller's own stdout and stderr, unchanged) instead of going there
 *     directly
 * @param headless the sandbox gets /dev/null as stdin and its output goes only to {@code output}
 *     (something else, a TUI, owns the caller's terminal)
 */
public record LaunchOptions(
    Optional<Consumer<BridgedConnection>> bridge,
    Consumer<StatusEvent> listener,
    Duration timeoutGrace,
    boolean terminal,
    Optional<Consumer<OutputChunk>> output,
    boolean headless) {

  public LaunchOptions {
    Objects.requireNonNull(bridge);
    Objects.requireNonNull(listener);
    if (timeoutGrace.isNegative()) {
      throw new IllegalArgumentException("timeoutGrace < 0");
    }
  }

  public static LaunchOptions defaults() {
    return new LaunchOptions(Optional.empty(), e -> {}, Duration.ofSeconds(2), false,
        Optional.empty(), false);
  }

  public LaunchOptions withBridge(Consumer<BridgedConnection> sink) {
    return new LaunchOptions(Optional.of(sink), listener, timeoutGrace, terminal, output, headless);
  }

  public LaunchOptions withListener(Consumer<StatusEvent> l) {
    return new LaunchOptions(bridge, l, timeoutGrace, terminal, output, headless);
  }

  public LaunchOptions withTimeoutGrace(Duration grace) {
    return new LaunchOptions(bridge, listener, grace, terminal, output, headless);
  }

  public LaunchOptions withOutput(Consumer<OutputChunk> sink) {
    return new LaunchOptions(bridge, listener, timeoutGrace, terminal, Optional.of(sink),
        headless);
  }

  public LaunchOptions withHeadless(boolean h) {
    return new LaunchOptions(bridge, listener, timeoutGrace, terminal, output, h);
  }

  public LaunchOptions withTerminal(boolean t) {
    return new LaunchOptions(bridge, listener, timeoutGrace, t, output, headless);
  }
}
