package dev.nemoclaw.spec;

import java.nio.file.Path;

/**
 * A seccomp profile in the OCI/Docker JSON format: {@code ref} is what agent.yaml said (a profile
 * name such as {@code default}, or a path), {@code file} the absolute file it resolves to.
 */
public record SeccompProfile(String ref, Path file) {}
