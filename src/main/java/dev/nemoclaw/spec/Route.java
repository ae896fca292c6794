package dev.nemoclaw.spec;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/**
 * One model endpoint. {@code apiKeyEnv} is only the NAME of a host environment variable, read by
 * the supervisor at request time; the key itself never appears in a spec. {@code fallback} names
 * another route of the same spec (checked: exists, no cycles). {@code timeout} bounds the wait for
 * the provider's response headers (a non-streaming answer arrives only when it is complete); past
 * it the call counts as failed and the fallback is tried.
 */
public record Route(
    String name,
    Provider provider,
    URI baseUrl,
    String model,
    Optional<String> apiKeyEnv,
    Optional<String> fallback,
    Duration timeout) {}
