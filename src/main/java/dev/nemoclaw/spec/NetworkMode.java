package dev.nemoclaw.spec;

/** {@code proxy}: loopback plus the egress proxy; {@code none}: loopback only. */
public enum NetworkMode implements YamlEnum {
  PROXY("proxy"),
  NONE("none");

  private final String yaml;

  NetworkMode(String yaml) {
    this.yaml = yaml;
  }

  @Override
  public String yaml() {
    return yaml;
  }
}
