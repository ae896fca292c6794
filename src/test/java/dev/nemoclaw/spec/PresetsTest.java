package dev.nemoclaw.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PresetsTest {
  final Presets shipped = new Presets(SpecFixture.PRESETS);

  static final List<String> SHIPPED = List.of("anthropic", "debian", "discord", "docker",
      "github", "huggingface", "jira", "maven", "npm", "nvidia", "openai", "openclaw", "outlook",
      "pypi", "slack", "telegram");

  @Test
  void listsTheShippedPresets() throws Exception {
    assertEquals(SHIPPED, shipped.names());
    assertEquals(SHIPPED.size(), shipped.list().size());
  }

  @Test
  void everyShippedPresetLoadsOnItsOwnWithADescriptionAndRules() throws Exception {
    for (String name : SHIPPED) {
      Preset p = shipped.load(name);
      assertEquals(name, p.name());
      assertTrue(!p.description().isBlank() && !p.description().contains("\n"), p::toString);
      assertTrue(!p.rules().isEmpty(), p::toString);
      long distinct = p.rules().stream().map(r -> r.host().text()).distinct().count();
      assertEquals(p.rules().size(), distinct, () -> name + " repeats a host");
    }
  }

  @Test
  void presetsForTheBuiltInInferenceProvidersAllowTheirDefaultBaseUrls() throws Exception {
    assertTrue(hosts("openai").contains("api.openai.com"));
    assertTrue(hosts("anthropic").contains("api.anthropic.com"));
    assertTrue(hosts("nvidia").contains("integrate.api.nvidia.com"));
    // what OpenClaw was observed to reach for plugins and skills, and nothing else
    assertEquals(java.util.Set.of("clawhub.ai", "codeload.github.com", "registry.npmjs.org",
        "github.com"), java.util.Set.copyOf(hosts("openclaw")));
    assertTrue(hosts("jira").contains("*.atlassian.net"));
    assertTrue(hosts("docker").containsAll(List.of("registry-1.docker.io", "auth.docker.io",
        "production.cloudflare.docker.com")));
  }

  private List<String> hosts(String preset) throws SpecException {
    return shipped.load(preset).rules().stream().map(r -> r.host().text()).toList();
  }

  @Test
  void loadsOne() throws Exception {
    Preset gh = shipped.load("github");
    assertEquals(List.of("github.com", "api.github.com", "codeload.github.com",
            "raw.githubusercontent.com", "objects.githubusercontent.com"),
        gh.rules().stream().map(r -> r.host().text()).toList());
    assertEquals(List.of(443), gh.rules().getFirst().ports());
    assertEquals(List.of("pypi.org", "files.pythonhosted.org"),
        shipped.load("pypi").rules().stream().map(r -> r.host().text()).toList());
    assertEquals(List.of(80, 443), shipped.load("debian").rules().get(1).ports());
  }

  @Test
  void unknownNameListsAvailable() {
    SpecException e = assertThrows(SpecException.class, () -> shipped.load("cargo"));
    assertTrue(e.errors().getFirst().message()
        .contains("unknown preset 'cargo'; available: " + String.join(", ", SHIPPED)));
    assertThrows(SpecException.class, () -> shipped.load("../presets/npm"));
  }

  @Test
  void presetFilesAreLoadedStrictly(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("bad.yaml"), """
        description: broken
        allow:
          - host: a.com
            port: 443
        """);
    SpecException e = assertThrows(SpecException.class, () -> new Presets(dir).load("bad"));
    SpecFixture.assertAt(e.errors().getFirst(), 4, 5, "allow[0].port", "did you mean 'ports'?");
    assertEquals(dir.resolve("bad.yaml"), e.errors().getFirst().file());
  }

  @Test
  void brokenPresetIsReportedWhenASpecUsesIt(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("bad.yaml"), "description: x\nallow: [{host: 'a b'}]\n");
    Path profiles = Files.createDirectories(dir.resolve("p"));
    Path spec = Files.writeString(dir.resolve("agent.yaml"), SpecFixture.HEAD
        + "network: {presets: [bad]}\n");
    SpecException e = assertThrows(SpecException.class, () ->
        new SpecLoader(new Presets(dir), new SeccompProfiles(profiles)).read(spec,
            java.util.Map.of()));
    assertEquals(dir.resolve("bad.yaml"), e.errors().getFirst().file());
    SpecFixture.assertAt(e.errors().getFirst(), 2, 16, "allow[0].host", "not a valid host");
  }
}
