package dev.nemoclaw.sandbox;

import java.util.OptionalDouble;
import java.util.OptionalLong;

/** Peaks of one run, as far as this host could measure them (empty: not measured). */
public record ResourceUsage(
    OptionalLong peakMemoryBytes, OptionalDouble cpuSeconds, OptionalLong peakPids, long oomKills) {

  public static ResourceUsage unmeasured() {
    return new ResourceUsage(OptionalLong.empty(), OptionalDouble.empty(), OptionalLong.empty(), 0);
  }
}
