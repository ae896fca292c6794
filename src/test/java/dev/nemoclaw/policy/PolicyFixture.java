package dev.nemoclaw.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.nemoclaw.spec.Presets;
import dev.nemoclaw.spec.SeccompProfiles;
import dev.nemoclaw.spec.SpecLoader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/** Compiles the {@code network:} section of an agent.yaml, loaded as strictly as the CLI does. */
public final class PolicyFixture {
  static final Path PRESETS = Path.of("presets").toAbsolutePath();

  private PolicyFixture() {}

  /** {@code network} is the body of the {@code network:} key, without indentation. */
  public static CompiledPolicy compile(Path dir, String network) {
    return CompiledPolicy.compile(network(dir, network));
  }

  /** The same, as the effective policy of an agent with no layers and no stored revisions. */
  public static LayeredPolicy layered(Path dir, String network) {
    return LayeredPolicy.compile(network(dir, network), RuleSet.EMPTY, java.util.List.of(),
        new AgentScope("t", Optional.empty(), Optional.empty()));
  }

  /** agent.yaml's {@code network:} section, bound as the CLI binds it. */
  public static dev.nemoclaw.spec.Network network(Path dir, String network) {
    try {
      Path profiles = Files.createDirectories(dir.resolve("profiles"));
      Files.writeString(profiles.resolve("default.json"), "{}");
      StringBuilder yaml = new StringBuilder("apiVersion: nemoclaw.dev/v1\nname: t\ncommand: [sh]\n"
          + "network:\n");
      network.lines().forEach(l -> yaml.append("  ").append(l).append('\n'));
      Path file = Files.writeString(dir.resolve("agent.yaml"), yaml);
      return new SpecLoader(new Presets(PRESETS),
          new SeccompProfiles(profiles)).read(file, Map.of()).network();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (dev.nemoclaw.spec.SpecException e) {
      throw new AssertionError(e.errors().toString(), e);
    }
  }

  static EgressRequest tunnel(String host, int port) {
    return EgressRequest.tunnel(host, port, Optional.empty());
  }

  static EgressRequest tunnel(String host, int port, String binary) {
    return EgressRequest.tunnel(host, port, Optional.of(binary));
  }

  static EgressRequest http(String host, int port, String method, String path) {
    return new EgressRequest(host, port, Optional.of(method), Optional.of(path), Optional.empty());
  }

  static Decision.Allow allows(EgressPolicy p, EgressRequest r, String rule) {
    Decision d = p.decide(r);
    Decision.Allow a = assertInstanceOf(Decision.Allow.class, d, () -> r + " -> " + d);
    assertEquals(rule, a.rule(), () -> r + " -> " + d);
    return a;
  }

  static Decision.Deny denies(EgressPolicy p, EgressRequest r, String rule) {
    Decision d = p.decide(r);
    Decision.Deny x = assertInstanceOf(Decision.Deny.class, d, () -> r + " -> " + d);
    assertEquals(rule, x.rule(), () -> r + " -> " + d);
    return x;
  }

  static Decision.Unknown unknown(EgressPolicy p, EgressRequest r) {
    Decision d = p.decide(r);
    return assertInstanceOf(Decision.Unknown.class, d, () -> r + " -> " + d);
  }
}
