package dev.nemoclaw.approval;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A snapshot of one held item of the inbox.
 *
 * @param id short random hex, unique in its inbox ({@code a1b2c3})
 * @param request the first request; identical ones coalesced into this item
 * @param hits how many requests wait on it
 * @param expiresAt when it is denied if nobody decides ({@code approvalTimeout})
 * @param warning set for SSRF-class destinations, which are decided only one by one
 */
public record Pending(
    String id,
    ApprovalRequest request,
    int hits,
    Instant createdAt,
    Instant expiresAt,
    Optional<String> warning) {
  public Pending {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(expiresAt, "expiresAt");
    Objects.requireNonNull(warning, "warning");
  }
}
