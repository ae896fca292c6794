package dev.nemoclaw.spec;

/** A bind mount is read-only unless it says {@code rw}. */
public enum MountMode implements YamlEnum {
  RO("ro"),
  RW("rw");

  private final String yaml;

  MountMode(String yaml) {
    this.yaml = yaml;
  }

  @Override
  public String yaml() {
    return yaml;
  }
}
