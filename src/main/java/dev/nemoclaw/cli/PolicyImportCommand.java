package dev.nemoclaw.cli;

import dev.nemoclaw.host.AtomicFile;
import dev.nemoclaw.policy.openshell.Finding;
import dev.nemoclaw.policy.openshell.ImportException;
import dev.nemoclaw.policy.openshell.ImportedSpec;
import dev.nemoclaw.policy.openshell.OpenShellImport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code nemoclaw policy import FILE}: an OpenShell policy as an agent.yaml (docs/openshell-import.md). */
@Command(name = "import", mixinStandardHelpOptions = true,
    description = {
      "Convert an NVIDIA OpenShell sandbox policy (version: 1, filesystem_policy, landlock,"
          + " process, network_policies) into a complete nemoclaw agent.yaml.",
      "Nothing in the result allows more than the source. What nemoclaw cannot express exactly"
          + " is made stricter or dropped, and each case is a `# note:` comment in the output"
          + " and a line on stderr. The command is a placeholder that fails until you replace"
          + " it; check the result with `nemoclaw policy validate` and `policy explain`."},
    footer = {"",
      "Example:",
      "  nemoclaw policy import openclaw-sandbox.yaml --name claw --out agent.yaml",
      "  nemoclaw policy explain agent.yaml --host github.com --port 443 --binary /usr/bin/git",
      "",
      "-o json prints {spec: {...the agent.yaml...}, findings: [{line, path, message, action}]};"
          + " action is stricter, dropped or approximated (docs/openshell-import.md).",
      "Exit codes: 0 converted (findings, if any, are printed); 1 the file is not a valid"
          + " OpenShell policy (each error as FILE:LINE:COLUMN: FIELD: MESSAGE), --out exists"
          + " without --force, or --strict and there are findings; 2 usage error."})
final class PolicyImportCommand implements Callable<Integer> {
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");

  @Parameters(paramLabel = "FILE", description = "the OpenShell policy (YAML)")
  Path file;

  @Option(names = {"-o", "--output"}, defaultValue = "yaml", paramLabel = "FORMAT",
      description = "yaml (default: the agent.yaml with notes) or json")
  Format output;

  @Option(names = "--name", paramLabel = "NAME",
      description = "the agent's name (default: the preset's name, else the file's)")
  String name;

  @Option(names = "--out", paramLabel = "FILE",
      description = "write the result here (crash-safe) instead of stdout")
  Path out;

  @Option(names = "--force", description = "let --out replace an existing file")
  boolean force;

  @Option(names = "--strict", description = "fail (exit 1) if anything could not be converted"
      + " exactly")
  boolean strict;

  enum Format { yaml, json }

  @Override
  public Integer call() {
    if (name != null && !NAME.matcher(name).matches()) {
      System.err.println("nemoclaw policy import: --name '" + name + "' is not a valid name;"
          + " allowed: [a-z0-9][a-z0-9-]{0,62}");
      return 2;
    }
    if (out != null && Files.exists(out) && !force) {
      System.err.println("nemoclaw policy import: " + out + " exists; use --force to replace it");
      return 1;
    }
    ImportedSpec spec;
    try {
      spec = OpenShellImport.read(file, Optional.ofNullable(name));
    } catch (ImportException e) {
      e.problems().forEach(p -> System.err.println(p.render()));
      System.err.println("nemoclaw policy import: " + file + " is not a valid OpenShell policy ("
          + e.problems().size() + " error(s))");
      return 1;
    }
    String text = output == Format.json ? Json.render(spec.json()) + "\n" : spec.yaml();
    for (Finding f : spec.findings()) {
      System.err.println(file + ": note: " + f.render());
    }
    if (strict && !spec.findings().isEmpty()) {
      System.err.println("nemoclaw policy import: --strict: " + spec.findings().size()
          + " thing(s) could not be converted exactly; nothing written");
      return 1;
    }
    if (out == null) {
      System.out.print(text);
    } else {
      try {
        AtomicFile.write(out, text.getBytes(StandardCharsets.UTF_8));
      } catch (IOException e) {
        System.err.println("nemoclaw policy import: cannot write " + out + ": " + e.getMessage());
        return 1;
      }
    }
    System.err.println("nemoclaw policy import: " + file + ": " + spec.allow().size()
        + " allow and " + spec.deny().size() + " deny rule(s), " + spec.findings().size()
        + (spec.findings().size() == 1 ? " note" : " notes")
        + (out == null ? "" : "; wrote " + out));
    return 0;
  }
}
