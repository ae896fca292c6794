package dev.nemoclaw.spec;

/** {@code required} refuses to start without Landlock; {@code best-effort} takes what exists. */
public enum LandlockMode implements YamlEnum {
  REQUIRED("required"),
  BEST_EFFORT("best-effort"),
  OFF("off");

  private final String yaml;

  LandlockMode(String yaml) {
    this.yaml = yaml;
  }

  @Override
  public String yaml() {
    return yaml;
  }
}
