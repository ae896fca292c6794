package dev.nemoclaw.spec;

/** How much harm a tool can do: a tool rule may apply only to tools of one level. */
public enum RiskLevel implements YamlEnum {
  LOW("low"),
  MEDIUM("medium"),
  HIGH("high");

  private final String yaml;

  RiskLevel(String yaml) {
    this.yaml = yaml;
  }

  @Override
  public String yaml() {
    return yaml;
  }
}
