package dev.nemoclaw.egress;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * An event sink that keeps every refusal, for the run report's {@code denied} list. Chain it with
 * other sinks: {@code denials.andThen(audit::append)}.
 */
public final class Denials implements Consumer<EgressEvent> {
  private final List<EgressEvent.Denial> list = new CopyOnWriteArrayList<>();

  @Override
  public void accept(EgressEvent event) {
    switch (event) {
      case EgressEvent.Decided d -> d.denial().ifPresent(list::add);
      case EgressEvent.Screened s -> s.denial().ifPresent(list::add);
      default -> { }
    }
  }

  /** Every refusal so far, oldest first. */
  public List<EgressEvent.Denial> snapshot() {
    return List.copyOf(list);
  }
}
