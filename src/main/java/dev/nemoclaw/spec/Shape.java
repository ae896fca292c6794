package dev.nemoclaw.spec;

import java.util.List;

/**
 * The keys each mapping of agent.yaml (and of preset and policy layer files) may hold. The binders refuse any
 * other key with these lists, and SchemaTest checks docs/agent.schema.json against them, so the
 * loader and the schema cannot drift apart. {@code schemaDef} names the object in the schema:
 * {@code ""} for the root, otherwise the entry under {@code $defs}.
 */
enum Shape {
  ROOT("", "apiVersion", "name", "org", "team", "image", "backend", "command", "workdir", "user",
      "env", "mounts", "tmpfs", "resources", "security", "network", "inference", "privacy",
      "tools", "toolRisk", "mcpServers"),
  MOUNT("mount", "source", "target", "mode"),
  TMPFS("tmpfs", "target", "size"),
  RESOURCES("resources", "memory", "cpus", "pids", "timeout"),
  SECURITY("security", "seccomp", "landlock", "allowRoot"),
  NETWORK("network", "mode", "presets", "allow", "deny", "unknown", "approvalTimeout"),
  ALLOW_RULE("allowRule", "host", "ports", "methods", "paths", "binaries", "inspect"),
  DENY_RULE("denyRule", "host", "ports", "methods", "paths", "binaries"),
  INFERENCE("inference", "default", "routes", "budget", "rateLimit"),
  ROUTE("route", "name", "provider", "baseUrl", "model", "apiKeyEnv", "fallback",
      "timeout"),
  BUDGET("budget", "tokens", "usd"),
  RATE_LIMIT("rateLimit", "requests", "per"),
  PRIVACY("privacy", "detectors", "action", "scope"),
  CUSTOM_DETECTOR("customDetector", "name", "regex"),
  TOOL_RULE("toolRule", "match", "action", "rateLimit", "risk"),
  TOOL_RISK("toolRisk", "match", "level"),
  MCP_SERVER("mcpServer", "name", "host"),
  PRESET(null, "description", "allow"),
  LAYER(null, "apiVersion", "kind", "layer", "name", "scopes"),
  LAYER_SCOPE(null, "match", "allow", "deny", "unknown"),
  POLICY_TEST(null, "apiVersion", "kind", "cases"),
  POLICY_CASE(null, "name", "request", "expect", "rule", "inspect"),
  POLICY_REQUEST(null, "host", "port", "method", "path", "binary", "server", "tool");

  private final String schemaDef;
  private final List<String> keys;

  Shape(String schemaDef, String... keys) {
    this.schemaDef = schemaDef;
    this.keys = List.of(keys);
  }

  /** Empty for shapes outside agent.yaml (preset files, policy test cases). */
  java.util.Optional<String> schemaDef() {
    return java.util.Optional.ofNullable(schemaDef);
  }

  List<String> keys() {
    return keys;
  }
}
