package dev.nemoclaw.privacy;

import java.util.List;

/**
 * What the privacy settings say about one text. The guard only says; the caller (the inference
 * gateway, the egress proxy) acts: sends the text on, sends {@link Masked#text()} instead, or
 * refuses the request.
 */
public sealed interface Verdict {
  List<Finding> findings();

  /** Nothing found (or the scope is not scanned). */
  record Clean() implements Verdict {
    @Override
    public List<Finding> findings() {
      return List.of();
    }
  }

  /** {@code action: audit}: found, to be recorded, the text goes on unchanged. */
  record Audited(List<Finding> findings) implements Verdict {
    public Audited {
      findings = List.copyOf(findings);
    }
  }

  /** {@code action: mask}: send {@code text} instead, each finding replaced by a marker. */
  record Masked(String text, List<Finding> findings) implements Verdict {
    public Masked {
      findings = List.copyOf(findings);
    }
  }

  /** {@code action: block}: the text must not leave. */
  record Blocked(List<Finding> findings) implements Verdict {
    public Blocked {
      findings = List.copyOf(findings);
    }
  }
}
