package dev.nemoclaw.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8's report end to end: a real run makes an allowed and a denied request through the
 * proxy (to a local origin on {@link TestNet#IP}), then {@code nemoclaw report} writes its HTML
 * and Markdown, and headless Chromium renders the HTML: a screenshot that is not blank, and a DOM
 * that holds the denied host and the charts. Needs root (for the address) and chromium.
 */
class ReportIT {
  static final int WIDTH = 1280;
  static final int HEIGHT = 2000;

  @TempDir static Path work;
  static HttpServer origin;
  static int port;
  static Path hosts;
  static boolean addedAddress;
  static Path home;

  @BeforeAll
  static void runOnce() throws Exception {
    addedAddress = TestNet.add();
    origin = TestNet.http(50, TestNet::hello);
    port = origin.getAddress().getPort();
    hosts = work.resolve("hosts");
    Files.writeString(hosts, TestNet.IP + " origin.test pastebin.com\n");
    home = work.resolve("home");
    Path spec = work.resolve("agent.yaml");
    Files.writeString(spec, """
        apiVersion: nemoclaw.dev/v1
        name: report-demo
        command:
          - sh
          - -c
          - |
            echo "allowed: $(curl -s http://origin.test:PORT/hello)"
            echo "denied: $(curl -s http://pastebin.com:PORT/raw/secret)"
        network:
          mode: proxy
          allow:
            - {host: origin.test, ports: [PORT], methods: [GET]}
          deny:
            - {host: pastebin.com}
          unknown: deny
        """.replace("PORT", String.valueOf(port)));
    Cli.Result run = cli("run", "--ci", spec.toString());
    assertEquals(0, run.exit(), run::toString);
    assertTrue(run.stdout().contains("allowed: hello from origin /hello"), run::toString);
    assertTrue(run.stdout().contains("policy_denied"), run::toString);
  }

  @AfterAll
  static void stop() throws Exception {
    if (origin != null) {
      origin.stop(0);
    }
    TestNet.remove(addedAddress);
  }

  static Cli.Result cli(String... args) throws Exception {
    return Cli.run(Map.of("NEMOCLAW_HOME", home.toString(),
        "JAVA_TOOL_OPTIONS", "-Djdk.net.hosts.file=" + hosts), null, args);
  }

  @Test
  void markdownReportOfTheRun() throws Exception {
    Cli.Result md = cli("report", "report-demo");
    assertEquals(0, md.exit(), md::toString);
    String out = md.stdout();
    assertTrue(out.startsWith("# Compliance report: report-demo\n"), out);
    assertTrue(out.contains("| Runs | 1 |"), out);
    assertTrue(out.contains("| Integrity | **intact**"), out);
    assertTrue(out.contains("| origin.test:" + port + " | 1 | 0 | 0 | 1 |"), out);
    assertTrue(out.contains("| pastebin.com:" + port + " | 0 | 1 | 0 | 1 |"), out);
    assertTrue(out.contains("| pastebin.com:" + port + " | GET /raw/secret | /usr/bin/curl |"), out);
    assertTrue(out.contains("- **Egress decisions:** 1 allowed, 1 denied, 0 held, to 2 destinations"), out);
    assertTrue(out.lines().anyMatch(l -> l.startsWith("| 1 | ") && l.contains(" | 0 | ")), out);
    assertFalse(md.stderr().contains("nemoclaw:"), md::toString);

    Cli.Result last = cli("report", "report-demo", "--last", "--since", "1h", "--format", "md");
    assertEquals(0, last.exit(), last::toString);
    assertTrue(last.stdout().contains("| Scope | run 1 of 1, events from "), last::toString);
    Cli.Result future = cli("report", "report-demo", "--since", "2999-01-01");
    assertEquals(0, future.exit(), future::toString);
    assertTrue(future.stdout().contains("| Time covered | no events |"), future::toString);
  }

  @Test
  void htmlReportRendersInChromium() throws Exception {
    Path html = work.resolve("out/report.html");
    Cli.Result r = cli("report", "report-demo", "--format", "html", "--out", html.toString());
    assertEquals(0, r.exit(), r::toString);
    assertEquals("", r.stdout(), r::toString);
    assertTrue(r.stderr().contains("report of report-demo written to " + html), r::toString);
    String text = Files.readString(html);
    assertTrue(text.contains("default-src 'none'"), text);

    Path png = work.resolve("out/report.png");
    Chromium.Result shot = Chromium.run(work, "--screenshot=" + png,
        "--window-size=" + WIDTH + "," + HEIGHT, html.toUri().toString());
    assertEquals(0, shot.exit(), shot::toString);
    BufferedImage img = ImageIO.read(png.toFile());
    assertTrue(img != null, "not a PNG: " + png);
    assertEquals(WIDTH, img.getWidth());
    assertEquals(HEIGHT, img.getHeight());
    Set<Integer> colours = new HashSet<>();
    long notWhite = 0;
    boolean red = false;
    boolean green = false;
    for (int y = 0; y < img.getHeight(); y += 2) {
      for (int x = 0; x < img.getWidth(); x += 2) {
        int rgb = img.getRGB(x, y) & 0xffffff;
        colours.add(rgb);
        if (rgb != 0xffffff) {
          notWhite++;
        }
        int rr = rgb >> 16;
        int gg = (rgb >> 8) & 0xff;
        int bb = rgb & 0xff;
        red |= rr > 180 && gg < 80 && bb < 80;
        green |= gg > 140 && rr < 80 && bb < 120;
      }
    }
    assertTrue(colours.size() > 20, "a blank page? " + colours.size() + " colours");
    assertTrue(notWhite > 20_000, "a blank page? " + notWhite + " non-white pixels");
    assertTrue(red && green, "the denied (red) and allowed (green) bars are drawn");

    Chromium.Result dom = Chromium.run(work, "--dump-dom", html.toUri().toString());
    assertEquals(0, dom.exit(), dom::toString);
    String d = dom.stdout().replace("<wbr>", "");
    assertTrue(d.contains("pastebin.com:" + port), d);
    assertTrue(d.contains("<svg"), d);
    assertTrue(d.contains("Audit log intact"), d);
    assertFalse(d.contains("AUDIT LOG BROKEN"), d);
  }

  @Test
  void aTamperedLogStillGetsAReportThatSaysSoAndExits1() throws Exception {
    Path copy = work.resolve("tampered");
    Path state = copy.resolve("state");
    new ProcessBuilder("cp", "-a", home.toString(), copy.toString()).start().waitFor();
    Path log = state.resolve("audit/report-demo/audit-000001.jsonl");
    List<String> lines = new ArrayList<>(Files.readAllLines(log, StandardCharsets.UTF_8));
    int denied = -1;
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).contains("\"Denied\"")) {
        denied = i;
      }
    }
    assertTrue(denied > 0, lines::toString);
    lines.set(denied, lines.get(denied).replace("\"Denied\"", "\"Allowed\""));
    Files.write(log, lines, StandardCharsets.UTF_8);
    Path out = work.resolve("tampered.html");
    Cli.Result r = Cli.run(Map.of("NEMOCLAW_HOME", copy.toString()), null,
        "report", "report-demo", "--format", "html", "--out", out.toString());
    assertEquals(1, r.exit(), r::toString);
    assertTrue(r.stderr().contains("report-demo's audit log is NOT intact (modified at " + log + ":"
        + (denied + 1)), r::toString);
    String html = Files.readString(out);
    assertTrue(html.contains("AUDIT LOG BROKEN"), html);
    assertFalse(html.contains("pastebin.com:" + port), "the forged record is not counted");
  }

  @Test
  void usageAndMissingLogs() throws Exception {
    Cli.Result help = cli("report", "--help");
    assertEquals(0, help.exit(), help::toString);
    for (String s : List.of("--format", "--since", "--until", "--run", "--last", "--out",
        "Examples:", "nemoclaw report hello --format html --out hello-report.html", "Exit codes: 0")) {
      assertTrue(help.stdout().contains(s), () -> s + "\n" + help);
    }
    Cli.Result none = cli("report", "nope");
    assertEquals(1, none.exit(), none::toString);
    assertTrue(none.stderr().contains("no audit log for nope"), none::toString);
    Cli.Result both = cli("report", "report-demo", "--run", "1", "--last");
    assertEquals(2, both.exit(), both::toString);
    Cli.Result badTime = cli("report", "report-demo", "--since", "yesterday");
    assertEquals(2, badTime.exit(), badTime::toString);
    assertTrue(badTime.stderr().contains("'yesterday' is neither a time"), badTime::toString);
    Cli.Result badName = cli("report", "Bad_Name");
    assertEquals(2, badName.exit(), badName::toString);
    Path noKeyHome = work.resolve("nokey");
    Files.createDirectories(noKeyHome);
    new ProcessBuilder("cp", "-a", home.resolve("state").toString(), noKeyHome.toString())
        .start().waitFor();
    Cli.Result noKey = Cli.run(Map.of("NEMOCLAW_HOME", noKeyHome.toString()), null,
        "report", "report-demo");
    assertEquals(1, noKey.exit(), noKey::toString);
    assertTrue(noKey.stderr().contains("no audit host key"), noKey::toString);
  }

  /** Debian's chromium, headless, with a private profile; fails saying how to install it. */
  static final class Chromium {
    record Result(int exit, String stdout, String stderr) {
      @Override
      public String toString() {
        return "exit " + exit + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
      }
    }

    static Path binary() {
      for (String p : List.of("/usr/bin/chromium", "/usr/bin/chromium-browser")) {
        if (Files.isExecutable(Path.of(p))) {
          return Path.of(p);
        }
      }
      throw new AssertionError("chromium is needed to render the HTML report: apt-get install"
          + " chromium");
    }

    static Result run(Path work, String... args) throws IOException, InterruptedException {
      Path profile = Files.createTempDirectory(work, "chromium-");
      List<String> cmd = new ArrayList<>(List.of(binary().toString(), "--headless=new",
          "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
          "--disable-extensions", "--disable-background-networking", "--disable-sync",
          "--user-data-dir=" + profile));
      cmd.addAll(List.of(args));
      Path out = Files.createTempFile(work, "chromium", ".out");
      Path err = Files.createTempFile(work, "chromium", ".err");
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile())
          .redirectError(err.toFile());
      pb.environment().put("HOME", profile.toString());
      Process p = pb.start();
      if (!p.waitFor(90, TimeUnit.SECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        throw new AssertionError("chromium did not finish in 90s: " + Files.readString(err));
      }
      return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }
  }
}
