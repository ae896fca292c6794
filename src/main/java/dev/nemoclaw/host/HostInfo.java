package dev.nemoclaw.host;

/** Who and where: the kernel release, the machine architecture (uname -m spelling), the user. */
public record HostInfo(String kernel, String arch, String user, boolean root) {}
