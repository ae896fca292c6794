package dev.nemoclaw.spec;

/** Where the privacy detectors look. */
public enum PrivacyScope implements YamlEnum {
  INFERENCE("inference"),
  EGRESS("egress"),
  /** Model answers coming back through inference.local (off unless listed). */
  OUTPUT("output");

  private final String yaml;

  PrivacyScope(String yaml) {
    this.yaml = yaml;
  }

  @Override
  public String yaml() {
    return yaml;
  }
}
