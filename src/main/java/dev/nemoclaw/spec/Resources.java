package dev.nemoclaw.spec;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalDouble;

/** cgroup limits and the wall-clock timeout (on expiry the sandbox is killed, exit 124). */
public record Resources(
    long memoryBytes, OptionalDouble cpus, int pids, Optional<Duration> timeout) {}
