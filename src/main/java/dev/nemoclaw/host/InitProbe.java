package dev.nemoclaw.host;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Optional;

/**
 * What {@code nemoclaw-init --probe} reports: one JSON line such as
 * {@code {"userns":true,"usernsError":"","landlockAbi":7,"seccomp":true,"seccompFilter":true}}.
 * The init is the only process that can truly test user namespaces the way a sandbox uses them
 * (the JVM is multi-threaded and cannot unshare), so its word wins over every other hint.
 */
record InitProbe(boolean userns, String usernsError, int landlockAbi, boolean seccomp,
    boolean seccompFilter) {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Parses the last JSON object line; an init that says something else yields nothing. */
  static Optional<InitProbe> parse(String stdout) {
    return stdout.lines().map(String::strip).filter(l -> l.startsWith("{")).reduce((a, b) -> b)
        .flatMap(InitProbe::parseLine);
  }

  private static Optional<InitProbe> parseLine(String line) {
    try {
      JsonNode n = JSON.readTree(line);
      if (!n.isObject() || !n.path("userns").isBoolean()) {
        return Optional.empty();
      }
      return Optional.of(new InitProbe(
          n.path("userns").asBoolean(false),
          n.path("usernsError").asText(""),
          Math.max(0, n.path("landlockAbi").asInt(0)),
          n.path("seccomp").asBoolean(false),
          n.path("seccompFilter").asBoolean(false)));
    } catch (java.io.IOException e) {
      return Optional.empty();
    }
  }
}
