package dev.nemoclaw.sandbox;

import java.util.Optional;
import java.util.OptionalInt;

/**
 * A connection an agent opened to the proxy port inside its sandbox, handed over by the sandbox's
 * bridge: {@code fd} is the connected TCP socket (the receiver owns it and must close it), {@code
 * pid} and {@code executable} name the process that opened it as seen inside the sandbox, when the
 * bridge could tell (one process held it).
 */
public record BridgedConnection(int fd, OptionalInt pid, Optional<String> executable) {}
