package dev.nemoclaw.spec;

/** How the sandbox is built: {@code native} (the sandbox init, no daemon) or {@code docker}. */
public enum Backend implements YamlEnum {
  NATIVE("native"),
  DOCKER("docker");

  private final String yaml;

  Backend(String yaml) {
    this.yaml = yaml;
  }

  @Override
  public String yaml() {
    return yaml;
  }
}
