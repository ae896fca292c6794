package dev.nemoclaw.spec;

import java.time.Duration;

/** At most {@code requests} per {@code per}. */
public record RateLimit(int requests, Duration per) {}
