package dev.nemoclaw.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nemoclaw.audit.AuditLog;
import dev.nemoclaw.audit.Export;
import dev.nemoclaw.audit.HostKey;
import dev.nemoclaw.audit.Problem;
import dev.nemoclaw.audit.Syslog;
import dev.nemoclaw.audit.SyslogSender;
import dev.nemoclaw.audit.Verification;
import dev.nemoclaw.host.HostDirs;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "audit",
    mixinStandardHelpOptions = true,
    description = "The tamper-evident audit log on the host (docs/audit.md).",
    subcommands = {AuditCommand.Verify.class, AuditCommand.Export.class})
final class AuditCommand {
  enum Format { ocsf, jsonl, cef }

  @Command(name = "verify", mixinStandardHelpOptions = true,
      description = {"Check the hash chain, every record's HMAC under the host key and the signed"
          + " head; names the first bad record (file:line) and exits 1 on any tampering:"
          + " edits, deletions, insertions, reordering, truncation."},
      footer = {"", "-o json prints an array of {name, ok, records, files, headHash, notes,"
          + " problem: {kind, file, line, seq, reason}} (problem only when ok is false).",
          "Exit codes: 0 every log verified; 1 a log was tampered with, is missing, or the host"
              + " key is; 2 usage error."})
  static final class Verify implements Callable<Integer> {
    @Parameters(paramLabel = "NAME", arity = "0..1", description = "one sandbox (default: every log)")
    String name;

    @Option(names = {"-o", "--output"}, defaultValue = "text", description = "text (default) or json")
    OutputFormat output;

    @Override
    public Integer call() {
      HostDirs dirs = HostDirs.fromEnvironment();
      List<AuditLog> logs;
      try {
        if (name != null) {
          AuditLog one = AuditLog.forSandbox(dirs.state(), name);
          if (!one.exists()) {
            System.err.println("nemoclaw audit verify: no audit log for " + name + " (no "
                + one.dir() + "); a run of that sandbox creates it");
            return 1;
          }
          logs = List.of(one);
        } else {
          logs = AuditLog.all(dirs.state());
        }
      } catch (IllegalArgumentException e) {
        System.err.println("nemoclaw audit verify: " + e.getMessage());
        return 2;
      } catch (IOException e) {
        System.err.println("nemoclaw audit verify: " + e.getMessage());
        return 1;
      }
      if (logs.isEmpty()) {
        System.err.println("nemoclaw audit verify: no audit logs in " + dirs.state().resolve("audit"));
        if (output == OutputFormat.json) {
          Json.print(JsonNodeFactory.instance.arrayNode());
        }
        return 0;
      }
      List<Verification> results = new ArrayList<>();
      try {
        HostKey key = HostKey.load(dirs.config());
        for (AuditLog log : logs) {
          results.add(log.verify(key));
        }
      } catch (IOException e) {
        System.err.println("nemoclaw audit verify: " + e.getMessage());
        return 1;
      }
      if (output == OutputFormat.json) {
        ArrayNode a = JsonNodeFactory.instance.arrayNode();
        results.forEach(v -> a.add(json(v)));
        Json.print(a);
      } else {
        results.forEach(Verify::print);
      }
      return results.stream().allMatch(v -> v instanceof Verification.Intact) ? 0 : 1;
    }

    private static void print(Verification v) {
      switch (v) {
        case Verification.Intact ok -> {
          System.out.println("OK        " + ok.sandbox() + ": " + ok.records() + " records in "
              + ok.files().size() + (ok.files().size() == 1 ? " file" : " files") + ", head "
              + ok.headHash());
          ok.notes().forEach(n -> System.err.println("note: " + ok.sandbox() + ": " + n));
        }
        case Verification.Broken bad -> {
          Problem p = bad.problem();
          System.out.println("TAMPERED  " + bad.sandbox() + ": " + p.render());
          System.err.println("nemoclaw audit verify: " + bad.sandbox() + " is not intact ("
              + p.kind().name().toLowerCase(java.util.Locale.ROOT) + "); " + bad.records()
              + " records before it verified");
        }
      }
    }

    private static ObjectNode json(Verification v) {
      ObjectNode o = JsonNodeFactory.instance.objectNode();
      o.put("name", v.sandbox());
      o.put("ok", v instanceof Verification.Intact);
      o.put("records", v.records());
      ArrayNode files = o.putArray("files");
      v.files().forEach(f -> files.add(f.toString()));
      switch (v) {
        case Verification.Intact ok -> {
          o.put("headHash", ok.headHash());
          ArrayNode notes = o.putArray("notes");
          ok.notes().forEach(notes::add);
        }
        case Verification.Broken bad -> {
          Problem p = bad.problem();
          ObjectNode po = o.putObject("problem");
          po.put("kind", p.kind().name().toLowerCase(java.util.Locale.ROOT));
          po.put("file", p.file().toString());
          po.put("line", p.line());
          po.put("seq", p.seq());
          po.put("reason", p.reason());
        }
      }
      return o;
    }
  }

  @Command(name = "export", mixinStandardHelpOptions = true,
      description = {"Stream a sandbox's audit log to stdout in a SIEM format, or to a syslog"
          + " receiver, verifying each record before it is written.",
          "jsonl: the stored records verbatim (chain and HMAC included, verifiable later);"
              + " ocsf: one OCSF 1.3 event per line; cef: ArcSight CEF:0 lines.",
          "--syslog sends RFC 5424 messages instead of writing stdout: over UDP one per"
              + " datagram (RFC 5426), over TCP or TLS octet-counted (RFC 6587, RFC 5425); MSG is"
              + " the event in --format (default ocsf), the structured data"
              + " [nemoclaw@32473 sandbox=\"NAME\" seq=\"N\"] (docs/audit.md)."},
      footer = {"", "Exit codes: 0 exported, all verified (with -f: never, it runs until Ctrl-C);"
          + " 1 stopped at a tampered record (the ones before it were sent; the message names"
          + " it), no log, or the syslog receiver is unreachable or went away; 2 usage error."})
  static final class Export implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "NAME", description = "the sandbox's name")
    String name;

    @Option(names = "--format", paramLabel = "FORMAT", description = "ocsf, jsonl or cef (required without --syslog;"
        + " with it the default is ocsf)")
    Format format;

    @Option(names = "--syslog", paramLabel = "URL", converter = SyslogTargetConverter.class,
        description = "send to a syslog receiver instead of stdout; URL is one of"
            + " udp://HOST[:PORT] or tcp://HOST[:PORT] (port 514 by default),"
            + " tls://HOST[:PORT] (6514, checked against the JDK's trust store)")
    Syslog.Target syslog;

    @Option(names = "--facility", paramLabel = "FACILITY", defaultValue = "local0",
        converter = FacilityConverter.class,
        description = "the syslog facility: local0 (default) … local7, daemon, auth, user, …")
    Syslog.Facility facility;

    @Option(names = "--udp-max", paramLabel = "BYTES", defaultValue = "8192",
        description = "the largest UDP message; longer ones are cut and marked truncated=\"N\""
            + " (480..65507, default 8192)")
    int udpMax;

    @Option(names = {"-f", "--follow"}, description = "after the log's end, keep exporting"
        + " records as they are appended (across rotation and later runs) until Ctrl-C")
    boolean follow;

    @Override
    public Integer call() {
      if (format == null && syslog == null) {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(),
            "Missing required option: '--format=<format>' (or --syslog URL)");
      }
      if (udpMax < Syslog.MIN_UDP_MAX
          || udpMax > Syslog.MAX_UDP_MAX) {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(),
            "Invalid value for option '--udp-max': " + udpMax + " is not in "
                + Syslog.MIN_UDP_MAX + ".."
                + Syslog.MAX_UDP_MAX);
      }
      dev.nemoclaw.audit.Export.Format f = switch (format == null ? Format.ocsf : format) {
        case ocsf -> dev.nemoclaw.audit.Export.Format.OCSF;
        case jsonl -> dev.nemoclaw.audit.Export.Format.JSONL;
        case cef -> dev.nemoclaw.audit.Export.Format.CEF;
      };
      HostDirs dirs = HostDirs.fromEnvironment();
      AuditLog log;
      try {
        log = AuditLog.forSandbox(dirs.state(), name);
      } catch (IllegalArgumentException e) {
        System.err.println("nemoclaw audit export: " + e.getMessage());
        return 2;
      }
      if (!log.exists()) {
        System.err.println("nemoclaw audit export: no audit log for " + name + " (no " + log.dir()
            + ")");
        return 1;
      }
      HostKey key;
      try {
        key = HostKey.load(dirs.config());
      } catch (IOException e) {
        System.err.println("nemoclaw audit export: " + e.getMessage());
        return 1;
      }
      return syslog == null ? toStdout(log, key, f) : toSyslog(log, key, f);
    }

    private int toStdout(AuditLog log, HostKey key, dev.nemoclaw.audit.Export.Format f) {
      // straight to fd 1: System.out's PrintStream would flush and lock per line
      OutputStream out = new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16);
      Verification v;
      try {
        v = follow ? dev.nemoclaw.audit.Export.follow(log, key, f, out)
            : dev.nemoclaw.audit.Export.write(log, key, f, out);
      } catch (IOException e) {
        flushQuietly(out);
        System.err.println("nemoclaw audit export: " + e.getMessage());
        return 1;
      } catch (InterruptedException e) {
        flushQuietly(out);
        return 130;
      }
      if (v instanceof Verification.Broken bad) {
        System.err.println("nemoclaw audit export: stopped at a tampered record after "
            + bad.records() + " good ones: " + bad.problem().render());
        return 1;
      }
      return 0;
    }

    private int toSyslog(AuditLog log, HostKey key, dev.nemoclaw.audit.Export.Format f) {
      SyslogSender sender;
      try {
        sender = SyslogSender.open(syslog, facility, Syslog.localHostname(),
            log.name(), udpMax);
      } catch (IOException e) {
        System.err.println("nemoclaw audit export: " + e.getMessage());
        return 1;
      }
      // Ctrl-C ends following: say how far it got on the way out
      Thread summary = new Thread(() -> System.err.println(
          "nemoclaw audit export: " + sender.sent() + " events sent to " + syslog));
      if (follow) {
        Runtime.getRuntime().addShutdownHook(summary);
      }
      Verification v;
      try (sender) {
        v = follow ? dev.nemoclaw.audit.Export.sendFollowing(log, key, f, sender)
            : dev.nemoclaw.audit.Export.send(log, key, f, sender);
        if (follow) {
          Runtime.getRuntime().removeShutdownHook(summary);
        }
      } catch (IOException e) {
        System.err.println("nemoclaw audit export: " + e.getMessage());
        return 1;
      } catch (InterruptedException e) {
        return 130;
      }
      if (v instanceof Verification.Broken bad) {
        System.err.println("nemoclaw audit export: stopped at a tampered record after "
            + bad.records() + " good ones (" + sender.sent() + " events sent to " + syslog + "): "
            + bad.problem().render());
        return 1;
      }
      if (!follow) {
        System.err.println("nemoclaw audit export: " + sender.sent() + " events sent to " + syslog);
      }
      return 0;
    }

    private static void flushQuietly(OutputStream out) {
      try {
        out.flush();
      } catch (IOException ignored) {
        // stdout is gone (a closed pipe); the error message matters more
      }
    }
  }

  static final class SyslogTargetConverter
      implements picocli.CommandLine.ITypeConverter<Syslog.Target> {
    @Override
    public Syslog.Target convert(String value) {
      try {
        return Syslog.Target.parse(value);
      } catch (IllegalArgumentException e) {
        throw new picocli.CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }

  static final class FacilityConverter
      implements picocli.CommandLine.ITypeConverter<Syslog.Facility> {
    @Override
    public Syslog.Facility convert(String value) {
      try {
        return Syslog.Facility.parse(value);
      } catch (IllegalArgumentException e) {
        throw new picocli.CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }
}
