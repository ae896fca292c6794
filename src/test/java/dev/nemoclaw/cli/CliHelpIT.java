package dev.nemoclaw.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CliHelpIT {
  static final List<String> COMMANDS = List.of("run", "ps", "stop", "logs", "exec", "approvals",
      "term", "policy", "audit", "report", "presets", "doctor", "image", "completion");

  @Test
  void rootHelpListsEveryContractCommand() throws Exception {
    Cli.Result r = Cli.run("--help");
    assertEquals(0, r.exit(), r::toString);
    for (String c : COMMANDS) {
      assertTrue(r.stdout().contains("\n  " + c + " "), () -> "--help lacks " + c + "\n" + r);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"run", "ps", "stop", "logs", "exec", "approvals", "term", "policy",
      "audit", "report", "presets", "doctor", "image", "completion"})
  void everyCommandHasHelp(String command) throws Exception {
    Cli.Result r = Cli.run(command, "--help");
    assertEquals(0, r.exit(), r::toString);
    assertTrue(r.stdout().startsWith("Usage: nemoclaw " + command), r::toString);
  }

  @Test
  void versionNamesTheProduct() throws Exception {
    Cli.Result r = Cli.run("--version");
    assertEquals(0, r.exit(), r::toString);
    assertTrue(r.stdout().startsWith("nemoclaw "), r::toString);
  }

  @Test
  void unbuiltCommandSaysSoAndExits2() throws Exception {
    Cli.Result r = Cli.run("exec", "hello", "--", "true");
    assertEquals(2, r.exit(), r::toString);
    assertTrue(r.stderr().contains("not available yet"), r::toString);
    assertEquals("", r.stdout());
  }

  @Test
  void termWithoutATerminalSaysWhatToUseInstead() throws Exception {
    Cli.Result r = Cli.run("term");
    assertEquals(1, r.exit(), r::toString);
    assertTrue(r.stderr().contains("needs a terminal"), r::toString);
    assertTrue(r.stderr().contains("nemoclaw approvals"), r::toString);
    assertEquals("", r.stdout());
  }

  @Test
  void unknownOptionIsAUsageError() throws Exception {
    Cli.Result r = Cli.run("ps", "--bogus");
    assertEquals(2, r.exit(), r::toString);
    assertTrue(r.stderr().contains("--bogus"), r::toString);
  }

  @Test
  void completionScriptCoversSubcommands() throws Exception {
    Cli.Result r = Cli.run("completion", "bash");
    assertEquals(0, r.exit(), r::toString);
    assertTrue(r.stdout().contains("complete -F"), r::toString);
    assertTrue(r.stdout().contains("approvals"), r::toString);
  }
}
