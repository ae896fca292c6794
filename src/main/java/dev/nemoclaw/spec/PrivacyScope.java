package dev.nemoclaw.spec;

/** Where the privacy detectors look. */
public enum PrivacyScope implements YamlEnum {
  INFERENCE("inference"),
  EGRESS("egress");

  private final String yaml;

  PrivacyScope(String yaml) {
    this.yaml = yaml;
  }

  @Override
  public String yaml() {
    return yaml;
  }
}
