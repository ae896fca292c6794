package dev.nemoclaw.audit;

import java.nio.file.Path;
import java.util.List;

/** What {@code audit verify} found for one log. */
public sealed interface Verification {
  String sandbox();

  /** Records that verified (checkpoints included), up to the problem if there is one. */
  long records();

  List<Path> files();

  /**
   * Every record verified and the chain reaches the signed head. {@code headHash} is the hash of
   * the last record (64 zeros for an empty log); {@code notes} are harmless findings such as an
   * incomplete last line a crash left behind.
   */
  record Intact(String sandbox, long records, List<Path> files, String headHash,
      List<String> notes) implements Verification {
    public Intact {
      files = List.copyOf(files);
      notes = List.copyOf(notes);
    }
  }

  /** The log was tampered with; {@code problem} names the first bad record. */
  record Broken(String sandbox, long records, List<Path> files, Problem problem)
      implements Verification {
    public Broken {
      files = List.copyOf(files);
    }
  }
}
