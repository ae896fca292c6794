package dev.nemoclaw.spec;

/** What a matching tool rule does to an MCP tool call. */
public enum ToolAction implements YamlEnum {
  ALLOW("allow"),
  BLOCK("block"),
  REQUIRE_APPROVAL("require-approval"),
  RATE_LIMIT("rate-limit"),
  PII_SCAN("pii-scan"),
  REDACT_OUTPUT("redact-output");

  private final String yaml;

  ToolAction(String yaml) {
    this.yaml = yaml;
  }

  @Override
  public String yaml() {
    return yaml;
  }
}
