package dev.nemoclaw.sandbox;

/** Bytes the sandbox wrote to its stdout or stderr (a copy: the caller may keep it). */
public record OutputChunk(boolean stderr, byte[] bytes) {}
