package dev.nemoclaw.spec;

/** The detectors nemoclaw ships. */
public enum BuiltinDetector implements YamlEnum {
  CREDIT_CARD("credit-card"),
  US_SSN("us-ssn"),
  EMAIL("email"),
  PHONE("phone"),
  IBAN("iban"),
  SECRET("secret");

  private final String yaml;

  BuiltinDetector(String yaml) {
    this.yaml = yaml;
  }

  @Override
  public String yaml() {
    return yaml;
  }
}
