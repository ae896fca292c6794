package dev.nemoclaw.spec;

/** A size-limited in-memory filesystem at {@code target}. */
public record Tmpfs(String target, long sizeBytes) {}
