package dev.nemoclaw.supervisor;

import dev.nemoclaw.policy.AgentScope;
import dev.nemoclaw.spec.Network;
import dev.nemoclaw.spec.Privacy;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A policy source held in memory: {@link #set} changes what the next load gives, and the "file"
 * it watches is touched by the test to say it changed.
 */
final class TestSource implements PolicySource {
  private final Path watched;
  private final Live initial;
  private volatile Live next;
  private volatile String invalid = "";

  TestSource(Path watched, Network network) {
    this.watched = watched;
    this.initial = new Live(network, dev.nemoclaw.spec.Defaults.PRIVACY_OFF, List.of(), List.of());
    this.next = initial;
  }

  void set(Live live) {
    next = live;
    invalid = "";
  }

  void invalid(String message) {
    invalid = message;
  }

  @Override
  public AgentScope agent() {
    return new AgentScope("t", Optional.of("acme"), Optional.of("data"));
  }

  @Override
  public Live initial() {
    return initial;
  }

  @Override
  public Live load() throws Invalid {
    if (!invalid.isEmpty()) {
      throw new Invalid(invalid);
    }
    return next;
  }

  @Override
  public List<Path> watched() {
    return List.of(watched);
  }
}
