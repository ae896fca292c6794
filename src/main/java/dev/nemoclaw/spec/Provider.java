package dev.nemoclaw.spec;

import java.net.URI;

/** A model API flavour, with the base URL used when a route names none. */
public enum Provider implements YamlEnum {
  OPENAI("openai", "https://api.openai.com/v1"),
  NVIDIA("nvidia", "https://integrate.api.nvidia.com/v1"),
  ANTHROPIC("anthropic", "https://api.anthropic.com"),
  OLLAMA("ollama", "http://127.0.0.1:11434/v1");

  private final String yaml;
  private final URI defaultBaseUrl;

  Provider(String yaml, String defaultBaseUrl) {
    this.yaml = yaml;
    this.defaultBaseUrl = URI.create(defaultBaseUrl);
  }

  @Override
  public String yaml() {
    return yaml;
  }

  public URI defaultBaseUrl() {
    return defaultBaseUrl;
  }
}
