package dev.nemoclaw.policy;

import static dev.nemoclaw.policy.PolicyFixture.allows;
import static dev.nemoclaw.policy.PolicyFixture.tunnel;
import static dev.nemoclaw.policy.PolicyFixture.unknown;

import dev.nemoclaw.spec.Presets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every shipped preset compiles, and its rules are named by preset. */
class ShippedPresetsTest {
  @TempDir Path dir;

  @Test
  void allPresetsTogetherCompileAndNameTheirRules() {
    String all = String.join(", ", new Presets(PolicyFixture.PRESETS).names());
    CompiledPolicy p = PolicyFixture.compile(dir, "presets: [" + all + "]");
    allows(p, tunnel("integrate.api.nvidia.com", 443), "preset nvidia allow[0] integrate.api.nvidia.com");
    allows(p, tunnel("acme.atlassian.net", 443), "preset jira allow[0] *.atlassian.net");
    unknown(p, tunnel("atlassian.net", 443));
    allows(p, tunnel("deb.debian.org", 80), "preset debian allow[0] deb.debian.org");
    allows(p, tunnel("outlook.office365.com", 993), "preset outlook allow[3] outlook.office365.com");
    // the first preset listed that names a host decides; github comes before openclaw
    allows(p, tunnel("codeload.github.com", 443), "preset github allow[2] codeload.github.com");
    unknown(p, tunnel("api.openai.com", 80));
  }
}
