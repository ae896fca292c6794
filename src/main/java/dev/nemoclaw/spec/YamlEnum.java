package dev.nemoclaw.spec;

/** An enum whose constants are spelled in agent.yaml as {@link #yaml()}, e.g. {@code best-effort}. */
public interface YamlEnum {
  String yaml();
}
