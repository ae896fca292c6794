package dev.nemoclaw.cli;

import dev.nemoclaw.policy.PolicyCheck;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;

/**
 * {@code policy test --junit}: results in the JUnit XML that CI systems (GitHub Actions reporters,
 * GitLab, Jenkins) render. One {@code <testsuite>} named after the cases file; each case a
 * {@code <testcase>} with a {@code <failure>} or {@code <skipped>} when it did not pass.
 */
final class JUnitXml {
  private JUnitXml() {}

  static byte[] render(Path casesFile, Path agentYaml, List<PolicyCheck.Result> results) {
    PolicyTestCommand.Counts n = PolicyTestCommand.Counts.of(results);
    String suite = casesFile.toString();
    String classname = "nemoclaw.policy." + stem(casesFile);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      XMLStreamWriter w = XMLOutputFactory.newFactory()
          .createXMLStreamWriter(out, StandardCharsets.UTF_8.name());
      w.writeStartDocument(StandardCharsets.UTF_8.name(), "1.0");
      w.writeCharacters("\n");
      w.writeStartElement("testsuites");
      counts(w, "nemoclaw policy test", n, results.size());
      w.writeCharacters("\n  ");
      w.writeStartElement("testsuite");
      counts(w, suite, n, results.size());
      w.writeCharacters("\n    ");
      w.writeStartElement("properties");
      property(w, "agent.yaml", agentYaml.toString());
      property(w, "cases", casesFile.toString());
      w.writeCharacters("\n    ");
      w.writeEndElement();
      for (PolicyCheck.Result r : results) {
        w.writeCharacters("\n    ");
        testcase(w, classname, r);
      }
      w.writeCharacters("\n  ");
      w.writeEndElement();
      w.writeCharacters("\n");
      w.writeEndElement();
      w.writeCharacters("\n");
      w.writeEndDocument();
      w.close();
    } catch (XMLStreamException e) {
      throw new IllegalStateException("cannot render JUnit XML: " + e.getMessage(), e);
    }
    return out.toByteArray();
  }

  private static void counts(XMLStreamWriter w, String name, PolicyTestCommand.Counts n,
      int tests) throws XMLStreamException {
    w.writeAttribute("name", clean(name));
    w.writeAttribute("tests", String.valueOf(tests));
    w.writeAttribute("failures", String.valueOf(n.failed()));
    w.writeAttribute("errors", "0");
    w.writeAttribute("skipped", String.valueOf(n.skipped()));
    w.writeAttribute("time", "0");
  }

  private static void property(XMLStreamWriter w, String name, String value)
      throws XMLStreamException {
    w.writeCharacters("\n      ");
    w.writeEmptyElement("property");
    w.writeAttribute("name", name);
    w.writeAttribute("value", clean(value));
  }

  private static void testcase(XMLStreamWriter w, String classname, PolicyCheck.Result r)
      throws XMLStreamException {
    String name = clean(r.testCase().name());
    if (r.status() == PolicyCheck.Status.PASS) {
      w.writeEmptyElement("testcase");
      w.writeAttribute("name", name);
      w.writeAttribute("classname", classname);
      w.writeAttribute("time", "0");
      return;
    }
    w.writeStartElement("testcase");
    w.writeAttribute("name", name);
    w.writeAttribute("classname", classname);
    w.writeAttribute("time", "0");
    String message = clean(r.message().orElse(""));
    w.writeCharacters("\n      ");
    if (r.status() == PolicyCheck.Status.SKIP) {
      w.writeEmptyElement("skipped");
      w.writeAttribute("message", message);
    } else {
      w.writeStartElement("failure");
      w.writeAttribute("message", message);
      w.writeAttribute("type", "policy");
      w.writeCharacters(clean("case at line " + r.testCase().line() + ": "
          + r.testCase().request().describe() + "\n" + r.message().orElse("")));
      w.writeEndElement();
    }
    w.writeCharacters("\n    ");
    w.writeEndElement();
  }

  private static String stem(Path file) {
    String s = file.getFileName() == null ? "cases" : file.getFileName().toString();
    int dot = s.lastIndexOf('.');
    return (dot > 0 ? s.substring(0, dot) : s).replace('.', '_').toLowerCase(Locale.ROOT);
  }

  /** Characters XML 1.0 cannot hold at all (most C0 controls) become U+FFFD. */
  static String clean(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    s.codePoints().forEach(c -> {
      boolean ok = c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF)
          || (c >= 0xE000 && c <= 0xFFFD) || c >= 0x10000;
      sb.appendCodePoint(ok ? c : 0xFFFD);
    });
    return sb.toString();
  }
}
