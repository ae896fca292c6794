package dev.nemoclaw.host;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HostDirsTest {
  @Test
  void nemoclawHomeOverridesEverything() {
    HostDirs d = HostDirs.from(Map.of("NEMOCLAW_HOME", "/x/nc", "XDG_CONFIG_HOME", "/c"), "/home/u", true);
    assertEquals(new HostDirs(Path.of("/x/nc/config"), Path.of("/x/nc/state"), Path.of("/x/nc/run")), d);
  }

  @Test
  void xdgForAUser() {
    HostDirs d = HostDirs.from(Map.of("XDG_RUNTIME_DIR", "/run/user/1000"), "/home/u", false);
    assertEquals(Path.of("/home/u/.config/nemoclaw"), d.config());
    assertEquals(Path.of("/home/u/.local/state/nemoclaw"), d.state());
    assertEquals(Path.of("/run/user/1000/nemoclaw"), d.runtime());
  }

  @Test
  void rootRuntimeIsRunNemoclaw() {
    assertEquals(Path.of("/run/nemoclaw"), HostDirs.from(Map.of(), "/root", true).runtime());
  }

  @Test
  void userWithoutRuntimeDirFallsBackUnderState() {
    assertEquals(Path.of("/home/u/.local/state/nemoclaw/run"),
        HostDirs.from(Map.of(), "/home/u", false).runtime());
  }
}
