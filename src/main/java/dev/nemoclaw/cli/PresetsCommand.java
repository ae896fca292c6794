package dev.nemoclaw.cli;

import dev.nemoclaw.policy.RuleText;
import dev.nemoclaw.spec.AllowRule;
import dev.nemoclaw.spec.Preset;
import dev.nemoclaw.spec.Presets;
import dev.nemoclaw.spec.SpecException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(
    name = "presets",
    mixinStandardHelpOptions = true,
    description = "Network presets that agent.yaml names in network.presets.",
    subcommands = {PresetsCommand.List.class, PresetsCommand.Show.class})
final class PresetsCommand {
  @Command(name = "list", mixinStandardHelpOptions = true, description = "List the available presets.")
  static final class List implements Callable<Integer> {
    @Override
    public Integer call() {
      try {
        java.util.List<Preset> presets = Presets.installed().list();
        int width = presets.stream().mapToInt(p -> p.name().length()).max().orElse(0);
        String row = "%-" + width + "s  %s%n";
        presets.forEach(p -> System.out.printf(row, p.name(), p.description()));
        return 0;
      } catch (SpecException e) {
        e.errors().forEach(err -> System.err.println(err.render()));
        return 1;
      }
    }
  }

  @Command(name = "show", mixinStandardHelpOptions = true, description = "Print one preset's rules.")
  static final class Show implements Callable<Integer> {
    @Parameters(paramLabel = "NAME") String name;

    @Override
    public Integer call() {
      Presets presets = Presets.installed();
      if (!presets.names().contains(name)) {
        System.err.println("nemoclaw presets show: unknown preset '" + name + "'; available: "
            + String.join(", ", presets.names()));
        return 1;
      }
      try {
        Preset p = presets.load(name);
        System.out.println("# " + p.name() + ": " + p.description());
        System.out.println("allow:");
        p.rules().forEach(r -> System.out.println(render(r)));
        return 0;
      } catch (SpecException e) {
        e.errors().forEach(err -> System.err.println(err.render()));
        return 1;
      }
    }

    /** One rule as a flow mapping, in the same shape as network.allow, so it can be pasted. */
    private static String render(AllowRule r) {
      return "  - " + RuleText.flow(r);
    }
  }
}
