package dev.nemoclaw.approval;

import java.time.Instant;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A session grant ({@code allow}) or denial in force in an inbox: requests of this kind to this
 * host and port from this binary are answered at once.
 *
 * @param approval the id of the approval whose decision made it
 * @param expiresAt when it vanishes (TTL), if ever
 * @param usesLeft how many more requests it answers, if limited
 */
public record Grant(
    String approval,
    ApprovalRequest.Kind kind,
    String host,
    int port,
    Optional<String> binary,
    boolean allow,
    Verdict verdict,
    Decider decider,
    Optional<Instant> expiresAt,
    OptionalInt usesLeft) {}
