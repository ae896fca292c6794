package dev.nemoclaw.spec;

public record Security(SeccompProfile seccomp, LandlockMode landlock, boolean allowRoot) {}
