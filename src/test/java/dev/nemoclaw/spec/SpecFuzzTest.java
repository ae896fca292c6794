package dev.nemoclaw.spec;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The agent.yaml loader on arbitrary bytes: it loads a spec or throws {@link SpecException} with
 * its problems, nothing else — no other exception, no hang (Jazzer's timeout), no stack overflow
 * from deep nesting. Replays the seed corpus in src/test/resources with the unit tests; {@code
 * JAZZER_FUZZ=1} fuzzes (bench/fuzz.sh).
 */
class SpecFuzzTest {
  @FuzzTest(maxDuration = "30s")
  void anyBytesLoadOrExplainWhy(byte[] yaml) throws IOException {
    Path f = Files.createTempFile(Path.of(System.getProperty("java.io.tmpdir")), "fuzz", ".yaml");
    try {
      Files.write(f, yaml);
      SpecLoader.installed().read(f, Map.of("HOME", "/home/x"));
    } catch (SpecException expected) {
      // the loader's answer for a bad spec: problems with file, line and field
    } finally {
      Files.deleteIfExists(f);
    }
  }
}
