package dev.nemoclaw.spec;

import java.util.List;

/** A named, shipped list of allow rules ({@code presets/NAME.yaml}). */
public record Preset(String name, String description, List<AllowRule> rules) {
  public Preset {
    rules = List.copyOf(rules);
  }
}
