package dev.nemoclaw.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nemoclaw.policy.PolicyCheck;
import dev.nemoclaw.spec.PolicyCases;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** {@code policy test}'s renderings: the text lines, -o json, JUnit XML. */
class PolicyTestCommandTest {
  static final PolicyCases.Egress GIT = new PolicyCases.Egress("api.github.com", 443,
      Optional.empty(), Optional.empty(), Optional.of("/usr/bin/git"));

  static final List<PolicyCheck.Result> RESULTS = List.of(
      new PolicyCheck.Result(new PolicyCases.Case("git may reach github", 4, GIT, "allow",
          Optional.of("preset github*"), Optional.empty()), PolicyCheck.Status.PASS,
          Optional.of(new PolicyCheck.Decided("allow", "preset github allow[1] api.github.com",
              "allowed", false)), Optional.empty()),
      new PolicyCheck.Result(new PolicyCases.Case("a <bad> & \"odd\" \u0001 name", 7, GIT, "deny",
          Optional.empty(), Optional.empty()), PolicyCheck.Status.FAIL,
          Optional.of(new PolicyCheck.Decided("allow", "preset github allow[1] api.github.com",
              "allowed", false)),
          Optional.of("expected deny, got allow by preset github allow[1] api.github.com"
              + " (allowed)")),
      new PolicyCheck.Result(new PolicyCases.Case("tool exec", 9,
          new PolicyCases.Tool(Optional.empty(), "exec"), "block", Optional.empty(),
          Optional.empty()), PolicyCheck.Status.SKIP, Optional.empty(),
          Optional.of("tool rules are not supported yet")));

  @Test
  void textLinesReadLikeATestRunner() {
    assertEquals("PASS  git may reach github", PolicyTestCommand.line(RESULTS.get(0)));
    assertEquals("FAIL  a <bad> & \"odd\" \u0001 name: expected deny, got allow by preset github"
        + " allow[1] api.github.com (allowed)", PolicyTestCommand.line(RESULTS.get(1)));
    assertEquals("SKIP  tool exec: tool rules are not supported yet",
        PolicyTestCommand.line(RESULTS.get(2)));
    assertEquals("1 passed, 1 failed, 1 skipped",
        PolicyTestCommand.Counts.of(RESULTS).summary());
  }

  @Test
  void jsonHasTheDocumentedShape() throws Exception {
    JsonNode j = new ObjectMapper().readTree(Json.render(PolicyTestCommand.json(RESULTS,
        PolicyTestCommand.Counts.of(RESULTS))));
    assertEquals(List.of("passed", "failed", "skipped", "cases"), names(j));
    assertEquals(1, j.path("failed").asInt());
    JsonNode pass = j.path("cases").get(0);
    assertEquals(List.of("name", "line", "request", "expect", "expectRule", "expectInspect",
        "got", "rule", "reason", "inspect", "ok", "skipped", "message"), names(pass));
    assertEquals(List.of("host", "port", "method", "path", "binary"), names(pass.path("request")));
    assertEquals("/usr/bin/git", pass.path("request").path("binary").asText());
    assertTrue(pass.path("request").path("method").isNull());
    assertEquals("preset github*", pass.path("expectRule").asText());
    assertTrue(pass.path("expectInspect").isNull());
    assertEquals("allow", pass.path("got").asText());
    assertTrue(pass.path("ok").asBoolean());
    assertTrue(pass.path("message").isNull());
    JsonNode fail = j.path("cases").get(1);
    assertEquals(false, fail.path("ok").asBoolean(true));
    assertTrue(fail.path("message").asText().startsWith("expected deny"));
    JsonNode skip = j.path("cases").get(2);
    assertEquals(List.of("server", "tool"), names(skip.path("request")));
    assertTrue(skip.path("got").isNull());
    assertTrue(skip.path("ok").asBoolean());
    assertTrue(skip.path("skipped").asBoolean());
  }

  @Test
  void junitXmlIsWellFormedWithFailuresAndSkips() throws Exception {
    byte[] xml = JUnitXml.render(Path.of("ci/policy-tests.yaml"), Path.of("agent.yaml"), RESULTS);
    Document d = DocumentBuilderFactory.newInstance().newDocumentBuilder()
        .parse(new ByteArrayInputStream(xml));
    Element suites = d.getDocumentElement();
    assertEquals("testsuites", suites.getTagName());
    assertEquals("3", suites.getAttribute("tests"));
    Element suite = (Element) suites.getElementsByTagName("testsuite").item(0);
    assertEquals("ci/policy-tests.yaml", suite.getAttribute("name"));
    assertEquals("1", suite.getAttribute("failures"));
    assertEquals("1", suite.getAttribute("skipped"));
    NodeList cases = suite.getElementsByTagName("testcase");
    assertEquals(3, cases.getLength());
    Element failed = (Element) cases.item(1);
    assertEquals("a <bad> & \"odd\" \ufffd name", failed.getAttribute("name"));
    assertEquals("nemoclaw.policy.policy-tests", failed.getAttribute("classname"));
    Element failure = (Element) failed.getElementsByTagName("failure").item(0);
    assertTrue(failure.getAttribute("message").startsWith("expected deny, got allow"));
    assertTrue(failure.getTextContent().contains("case at line 7: api.github.com:443 from"
        + " /usr/bin/git"), failure::getTextContent);
    Element skipped = (Element) ((Element) cases.item(2)).getElementsByTagName("skipped").item(0);
    assertEquals("tool rules are not supported yet", skipped.getAttribute("message"));
    assertEquals(0, ((Element) cases.item(0)).getChildNodes().getLength());
  }

  private static List<String> names(JsonNode n) {
    List<String> out = new ArrayList<>();
    n.fieldNames().forEachRemaining(out::add);
    return out;
  }
}
