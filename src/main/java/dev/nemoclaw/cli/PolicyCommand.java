package dev.nemoclaw.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nemoclaw.control.ControlClient;
import dev.nemoclaw.control.ControlTarget;
import dev.nemoclaw.control.Fleet;
import dev.nemoclaw.control.Registry;
import dev.nemoclaw.host.HostDirs;
import dev.nemoclaw.policy.EgressRequest;
import dev.nemoclaw.policy.ExplanationJson;
import dev.nemoclaw.policy.PolicyStore;
import dev.nemoclaw.policy.Revision;
import dev.nemoclaw.policy.RevisionJson;
import dev.nemoclaw.policy.RuleSet;
import dev.nemoclaw.policy.StoredRule;
import dev.nemoclaw.spec.SpecException;
import dev.nemoclaw.spec.SpecLoader;
import dev.nemoclaw.supervisor.Supervisor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "policy",
    mixinStandardHelpOptions = true,
    description = "Validate agent specs, test and explain policies, import OpenShell policies, and"
        + " work with the policy store: revisions, diffs, rollback.",
    subcommands = {
      PolicyCommand.Validate.class,
      PolicyCommand.Show.class,
      PolicyCommand.History.class,
      PolicyCommand.Diff.class,
      PolicyCommand.Rollback.class,
      PolicyCommand.Explain.class,
      PolicyImportCommand.class,
      PolicyTestCommand.class
    })
final class PolicyCommand {

  @Command(name = "validate", mixinStandardHelpOptions = true,
      description = "Check an agent.yaml: prints OK, or every error with file:line:column and field.")
  static final class Validate implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", description = "the agent.yaml")
    Path file;

    @Override
    public Integer call() {
      try {
        SpecLoader.load(file, System.getenv());
        System.out.println("OK " + file);
        return 0;
      } catch (SpecException e) {
        e.errors().forEach(err -> System.err.println(err.render()));
        return 1;
      }
    }
  }

  /** The policy store of sandbox {@code name}: {@code STATE/policies/NAME} (CONTRACT §6). */
  static PolicyStore store(String name) {
    return PolicyStore.forSandbox(HostDirs.fromEnvironment().state(), name);
  }

  /** Runs a store command: bad names are usage errors (2), store problems failures (1). */
  private static int withStore(String command, String name, StoreCommand body) {
    PolicyStore store;
    try {
      store = store(name);
    } catch (IllegalArgumentException e) {
      System.err.println("nemoclaw policy " + command + ": " + e.getMessage());
      return 2;
    }
    try {
      return body.run(store);
    } catch (IllegalArgumentException | IOException e) {
      System.err.println("nemoclaw policy " + command + ": " + e.getMessage());
      return 1;
    }
  }

  private interface StoreCommand {
    int run(PolicyStore store) throws IOException;
  }

  @Command(name = "show", mixinStandardHelpOptions = true,
      description = {"Print the rules operators added to a sandbox's policy (approvals with"
          + " `always`, `deny --always`, rollbacks), as of the newest revision or --rev N.",
          "They apply on top of the agent.yaml's network policy; `policy explain` layers them."},
      footer = {"", "-o json prints {name, revision, rules: {allow: [...], deny: [...]}}, each rule"
          + " as in docs/policy-store.md."})
  static final class Show implements Callable<Integer> {
    @Parameters(paramLabel = "NAME", description = "the sandbox (its agent.yaml's name)") String name;
    @Option(names = "--rev", paramLabel = "N", description = "this revision (default: the newest)") Integer rev;
    @Option(names = {"-o", "--output"}, defaultValue = "text", description = "text (default) or json")
    OutputFormat output;

    @Override
    public Integer call() {
      return withStore("show", name, store -> {
        Optional<Revision> latest = store.latest();
        int n = rev != null ? rev : latest.map(Revision::number).orElse(0);
        RuleSet rules = store.at(n);
        if (output == OutputFormat.json) {
          ObjectNode o = JsonNodeFactory.instance.objectNode();
          o.put("name", name);
          o.put("revision", n);
          o.set("rules", RevisionJson.toJson(rules));
          Json.print(o);
          return 0;
        }
        if (n == 0) {
          System.out.println("# " + name + ": revision 0, no rules added"
              + (latest.isEmpty() ? " (no revisions in " + store.dir() + ")" : ""));
          return 0;
        }
        Revision r = store.revision(n);
        System.out.println("# " + name + ": revision " + n + " of "
            + latest.map(Revision::number).orElse(n) + ", " + r.time() + ", " + r.author()
            + " via " + r.channel());
        print("allow", rules.allow());
        print("deny", rules.deny());
        return 0;
      });
    }

    private static void print(String key, List<? extends StoredRule> rules) {
      if (rules.isEmpty()) {
        System.out.println(key + ": []");
        return;
      }
      System.out.println(key + ":");
      rules.forEach(x -> System.out.println("  - " + x.text() + "   # " + x.name()));
    }
  }

  @Command(name = "history", mixinStandardHelpOptions = true,
      description = "List a sandbox's policy revisions, oldest first: number, time, author,"
          + " channel, what changed and why.",
      footer = {"", "-o json prints an array of {revision, time, author, channel, reason,"
          + " rollbackTo, added, removed} (docs/policy-store.md)."})
  static final class History implements Callable<Integer> {
    @Parameters(paramLabel = "NAME", description = "the sandbox (its agent.yaml's name)") String name;
    @Option(names = {"-o", "--output"}, defaultValue = "text", description = "text (default) or json")
    OutputFormat output;

    @Override
    public Integer call() {
      return withStore("history", name, store -> {
        List<Revision> h = store.history();
        if (output == OutputFormat.json) {
          ArrayNode a = JsonNodeFactory.instance.arrayNode();
          for (Revision r : h) {
            ObjectNode o = RevisionJson.toJson(r);
            o.remove("format");
            o.remove("rules");
            a.add(o);
          }
          Json.print(a);
          return 0;
        }
        if (h.isEmpty()) {
          System.err.println("nemoclaw policy history: no revisions for " + name + " (in "
              + store.dir() + "); approvals with `always` and `deny --always` make them");
          return 0;
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"REV", "TIME", "AUTHOR", "CHANNEL", "CHANGES", "REASON"});
        for (Revision r : h) {
          rows.add(new String[] {String.valueOf(r.number()), r.time().toString(), r.author(),
              r.channel(), r.changeSummary(), r.reason()});
        }
        table(rows);
        return 0;
      });
    }
  }

  @Command(name = "diff", mixinStandardHelpOptions = true,
      description = {"Show which added rules differ between two revisions (0: none added):"
          + " `-` only in R1, `+` only in R2."})
  static final class Diff implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME", description = "the sandbox") String name;
    @Parameters(index = "1", paramLabel = "R1") int r1;
    @Parameters(index = "2", paramLabel = "R2") int r2;

    @Override
    public Integer call() {
      return withStore("diff", name, store -> {
        RuleSet a = store.at(r1);
        RuleSet b = store.at(r2);
        System.out.println("--- revision " + r1);
        System.out.println("+++ revision " + r2);
        RuleSet gone = a.minus(b);
        RuleSet added = b.minus(a);
        gone.allow().forEach(x -> line('-', "allow", x));
        gone.deny().forEach(x -> line('-', "deny", x));
        added.allow().forEach(x -> line('+', "allow", x));
        added.deny().forEach(x -> line('+', "deny", x));
        return 0;
      });
    }

    private static void line(char sign, String kind, StoredRule r) {
      System.out.println(sign + " " + kind + " " + r.text() + "   # " + r.name());
    }
  }

  @Command(name = "rollback", mixinStandardHelpOptions = true,
      description = {"Make an earlier revision's rules current again, as a new revision (history"
          + " is never rewritten). --to 0 drops every added rule.",
          "A running sandbox takes the new revision up within a second (its session grants stay);"
              + " the revision is recorded in the sandbox's audit log."})
  static final class Rollback implements Callable<Integer> {
    @Parameters(paramLabel = "NAME", description = "the sandbox") String name;
    @Option(names = "--to", required = true, paramLabel = "N", description = "the revision to restore") int to;

    @Override
    public Integer call() {
      return withStore("rollback", name, store -> {
        Revision r = store.rollback(to, System.getProperty("user.name", "unknown"), "cli");
        System.out.println(name + ": revision " + r.number() + " restores revision " + to + " ("
            + r.changeSummary() + ")");
        try {
          if (!Supervisor.auditPolicyChange(HostDirs.fromEnvironment(), name, r)) {
            Human.say("the running sandbox " + name + " takes it up within a second and records"
                + " it in its audit log");
          }
        } catch (IOException e) {
          Human.say("revision " + r.number() + " is stored, but could not be put in the audit"
              + " log of " + name + ": " + e.getMessage());
          return 1;
        }
        return 0;
      });
    }
  }

  /** Left-aligned columns, two spaces apart; the last column is not padded. */
  static void table(List<String[]> rows) {
    int cols = rows.get(0).length;
    int[] w = new int[cols];
    for (String[] r : rows) {
      for (int i = 0; i < cols; i++) {
        w[i] = Math.max(w[i], r[i].length());
      }
    }
    for (String[] r : rows) {
      StringBuilder b = new StringBuilder();
      for (int i = 0; i < cols; i++) {
        b.append(i == cols - 1 ? r[i] : String.format("%-" + w[i] + "s  ", r[i]));
      }
      System.out.println(b.toString().stripTrailing());
    }
  }

  @Command(name = "explain", mixinStandardHelpOptions = true,
      description = {
        "Say what the network policy decides for a request, which rule decides, its layer"
            + " (org, team or agent) and revision or layer file, why, what to change, and which"
            + " other rules it shadows.",
        "TARGET is an agent.yaml, or the name of a running sandbox. For a file, the policy is"
            + " built as a run would build it: the org and team layer files (--policy-dir), the"
            + " agent.yaml with its presets, and the policy store's newest revision for the"
            + " spec's name (--no-store: without it); stderr says what was layered. For a running"
            + " sandbox, the sandbox itself answers with the policy in force now, edits and"
            + " rollbacks it has taken up included.",
        "Without --method/--path the request is a CONNECT tunnel, as HTTPS without inspection is."},
      footer = {"", "Examples:",
          "  nemoclaw policy explain examples/reference/agent.yaml --host x.pastebin.com --port 443",
          "  nemoclaw policy explain my-agent --host api.github.com --port 443 --binary /usr/bin/git",
          "",
          "Exit codes: 0 allowed; 1 denied, or no rule covers it (network.unknown decides: ask or"
          + " deny), or TARGET is neither a file nor a running sandbox; 125 the agent.yaml or a"
          + " layer file has errors (printed as `policy validate` prints them), or the policy"
          + " store cannot be read.",
          "-o json prints {verdict (allow|deny|unknown), rule, reason, hint (null when allowed),"
          + " inspect, layer (org|team|agent), revision (null unless a stored rule decided), file"
          + " (the layer file, or null), shadowed: [rule]} and, from a running sandbox,"
          + " policyRevision (the stored revision in force)."})
  static final class Explain implements Callable<Integer> {
    static final int EXIT_BAD_SPEC = 125;

    @Parameters(paramLabel = "TARGET",
        description = "an agent.yaml, or the name of a running sandbox") String target;
    @Option(names = "--host", required = true, paramLabel = "HOST",
        description = "destination: a DNS name or an IP address") String host;
    @Option(names = "--port", required = true, paramLabel = "PORT", description = "1..65535")
    int port;
    @Option(names = "--method", paramLabel = "METHOD",
        description = "HTTP method (plain HTTP, or inside an inspected tunnel)") String method;
    @Option(names = "--path", paramLabel = "PATH",
        description = "URL path, query allowed (plain HTTP, or inside an inspected tunnel)")
    String path;
    @Option(names = "--binary", paramLabel = "EXE",
        description = "the connecting executable as the sandbox sees it, e.g. /usr/bin/git;"
            + " leave out to see what happens when it cannot be identified") String binary;
    @Option(names = "--store", negatable = true, paramLabel = "",
        description = "for a file: layer the policy store's newest revision for the spec's name"
            + " (default; --no-store: without it)") Boolean store;
    @Option(names = "--policy-dir", paramLabel = "DIR",
        description = "for a file: org/team layer files (default CONFIG/policy.d,"
            + " docs/policy-layers.md)") Path policyDir;
    @Option(names = {"-o", "--output"}, defaultValue = "text", description = "text (default) or json")
    OutputFormat output;

    @Override
    public Integer call() {
      Path file = Path.of(target);
      ObjectNode x;
      if (Files.isRegularFile(file) || target.contains("/") || target.endsWith(".yaml")) {
        EffectivePolicy effective;
        try {
          effective = EffectivePolicy.load(file, store == null || store,
              Optional.ofNullable(policyDir));
        } catch (SpecException e) {
          e.errors().forEach(err -> System.err.println(err.render()));
          System.err.println("nemoclaw policy explain: " + e.errors().size() + " error(s)");
          return EXIT_BAD_SPEC;
        } catch (EffectivePolicy.Failure e) {
          System.err.println("nemoclaw policy explain: " + e.getMessage());
          return EXIT_BAD_SPEC;
        }
        effective.revisionNote().ifPresent(n -> System.err.println("nemoclaw policy explain: " + n));
        x = ExplanationJson.of(effective.policy().explain(request()));
      } else {
        Optional<ObjectNode> live = askRunning();
        if (live.isEmpty()) {
          return 1;
        }
        x = live.get();
      }
      if (output == OutputFormat.json) {
        Json.print(x);
      } else {
        print(x);
      }
      return x.path("verdict").asText().equals("allow") ? 0 : 1;
    }

    private EgressRequest request() {
      return new EgressRequest(host, port, Optional.ofNullable(method), Optional.ofNullable(path),
          Optional.ofNullable(binary));
    }

    /** The running sandbox's own answer, or empty after saying why there is none. */
    private Optional<ObjectNode> askRunning() {
      Fleet fleet = Fleet.fromEnvironment();
      Optional<Registry.Entry> e = fleet.registry().find(target);
      if (e.isEmpty()) {
        Human.say(target + " is neither a file nor a running sandbox; give the agent.yaml, or"
            + " the name of a sandbox that runs (" + Human.running(fleet.names()) + ")");
        return Optional.empty();
      }
      ObjectNode args = new ObjectMapper().createObjectNode().put("host", host).put("port", port);
      Optional.ofNullable(method).ifPresent(m -> args.put("method", m));
      Optional.ofNullable(path).ifPresent(p -> args.put("path", p));
      Optional.ofNullable(binary).ifPresent(b -> args.put("binary", b));
      try (ControlClient c = ControlClient.connect(e.get().socket())) {
        ObjectNode x = c.call("explain", args);
        System.err.println("nemoclaw policy explain: the policy in force in " + target
            + " (stored revision " + x.path("policyRevision").asInt() + ")");
        return Optional.of(x);
      } catch (IOException | ControlTarget.ControlError ex) {
        Human.say("cannot ask " + target + ": " + ex.getMessage());
        return Optional.empty();
      }
    }

    private static void print(ObjectNode x) {
      System.out.println("verdict: " + x.path("verdict").asText()
          + (x.path("inspect").asBoolean() ? " (TLS inspected)" : ""));
      System.out.println("rule:    " + x.path("rule").asText());
      String layer = x.path("layer").asText();
      if (x.hasNonNull("file")) {
        layer += " (" + x.get("file").asText() + ")";
      } else if (x.hasNonNull("revision")) {
        layer += " (stored revision " + x.get("revision").asInt() + ")";
      }
      System.out.println("layer:   " + layer);
      System.out.println("reason:  " + x.path("reason").asText());
      if (x.hasNonNull("hint")) {
        System.out.println("hint:    " + x.get("hint").asText());
      }
      x.path("shadowed").forEach(r -> System.out.println("shadows: " + r.asText()));
    }
  }
}
