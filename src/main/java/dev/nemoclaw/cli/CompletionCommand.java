package dev.nemoclaw.cli;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(
    name = "completion",
    mixinStandardHelpOptions = true,
    description = {
      "Print a shell completion script.",
      "  bash: source <(nemoclaw completion bash)",
      "  zsh:  autoload -U +X bashcompinit && bashcompinit; source <(nemoclaw completion zsh)"
    })
final class CompletionCommand implements Callable<Integer> {
  enum Shell { bash, zsh }

  @Parameters(paramLabel = "SHELL", arity = "0..1", defaultValue = "bash", description = "bash (default) or zsh")
  Shell shell;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    // picocli's script works in bash and, through bashcompinit, in zsh.
    CommandLine root = spec.root().commandLine();
    System.out.print(AutoComplete.bash("nemoclaw", root));
    return 0;
  }
}
