package dev.nemoclaw.spec;

/** What happens to a destination no rule covers. */
public enum UnknownAction implements YamlEnum {
  ASK("ask"),
  DENY("deny");

  private final String yaml;

  UnknownAction(String yaml) {
    this.yaml = yaml;
  }

  @Override
  public String yaml() {
    return yaml;
  }
}
