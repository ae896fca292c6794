package dev.nemoclaw.spec;

/** What a privacy finding does: record it, mask it in place, or block the message. */
public enum PrivacyAction implements YamlEnum {
  AUDIT("audit"),
  MASK("mask"),
  BLOCK("block");

  private final String yaml;

  PrivacyAction(String yaml) {
    this.yaml = yaml;
  }

  @Override
  public String yaml() {
    return yaml;
  }
}
