package dev.nemoclaw.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS inspection end to end: a real sandbox, real clients (curl, Python's urllib, Node's tls)
 * trusting the sandbox CA only through the variables the sandbox sets, an HTTPS origin on the
 * TEST-NET address (see {@link TestNet}) whose certificate the supervisor trusts through its own
 * {@code SSL_CERT_FILE}, and L7 rules applied to each request inside the tunnel. Also CONNECT to
 * policy.local from inside. Needs root (to add the address).
 */
class InspectIT {
  static final String IP = TestNet.IP;

  @TempDir static Path work;
  static HttpsServer origin;
  static HttpServer plain;
  static int port;
  static int plainPort;
  static Path hosts;
  static Path originPem;
  static final Queue<String> seen = new ConcurrentLinkedQueue<>();
  static boolean addedAddress;

  @BeforeAll
  static void start() throws Exception {
    addedAddress = TestNet.add();
    origin = TestNet.https(0, TestNet.selfSigned(work, "secure.test"), InspectIT::serve);
    originPem = work.resolve("secure.test.pem");
    port = origin.getAddress().getPort();
    plain = TestNet.http(50, InspectIT::serve);
    plainPort = plain.getAddress().getPort();
    hosts = work.resolve("hosts");
    Files.writeString(hosts, IP + " secure.test plain.test\n");
    Files.createDirectories(work.resolve("fetch"));
    Files.writeString(work.resolve("fetch/tls.js"), """
        // GET https://HOST:PORT/PATH through the proxy by hand: CONNECT, then Node's own TLS,
        // which trusts what its roots and NODE_EXTRA_CA_CERTS hold
        const http = require('http'), tls = require('tls');
        const [label, host, port, path] = process.argv.slice(2);
        const req = http.request({host: '127.0.0.1', port: 3128, method: 'CONNECT',
                                  path: host + ':' + port});
        req.on('connect', (res, socket) => {
          if (res.statusCode !== 200) { console.log(label + ': CONNECT ' + res.statusCode); return; }
          const s = tls.connect({socket, servername: host}, () => s.write('GET ' + path
              + ' HTTP/1.1\\r\\nHost: ' + host + '\\r\\nConnection: close\\r\\n\\r\\n'));
          let data = '';
          s.on('data', d => data += d);
          s.on('end', () => console.log(label + ': ' + data.split('\\r\\n\\r\\n')[1].trim()));
          s.on('error', e => console.log(label + ': error ' + e.code));
        });
        req.on('error', e => console.log(label + ': proxy error ' + e.message));
        req.end();
        """);
    TestNet.readableBySandbox(work);
  }

  @AfterAll
  static void stop() throws Exception {
    if (origin != null) {
      origin.stop(0);
      plain.stop(0);
    }
    TestNet.remove(addedAddress);
  }

  static void serve(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getPath();
    seen.add(ex.getRequestMethod() + " " + path);
    ex.getRequestBody().readAllBytes();
    byte[] body = ("hello over " + (ex instanceof HttpsExchange ? "tls " : "http ")
        + ex.getRequestMethod() + " " + path + "\n").getBytes();
    ex.getResponseHeaders().set("Content-Type", "text/plain");
    ex.sendResponseHeaders(200, body.length);
    try (OutputStream o = ex.getResponseBody()) {
      o.write(body);
    }
  }

  static final String INSPECTED = """
        allow:
          - {host: secure.test, ports: [PORT], methods: [GET], paths: ["/ok/**"], inspect: true}
          - {host: plain.test, ports: [PLAIN], methods: [GET], inspect: true}
      """;

  Path spec(String name, String network) throws IOException {
    Path f = work.resolve(name + ".yaml");
    Files.writeString(f, ("apiVersion: nemoclaw.dev/v1\nname: %s\ncommand: [\"true\"]\n"
        + "mounts:\n  - {source: ./fetch, target: /fetch}\n"
        + "network:\n  mode: proxy\n  unknown: deny\n%s").formatted(name,
            network.replace("PORT", "" + port).replace("PLAIN", "" + plainPort)));
    return f;
  }

  Map<String, String> env(String home) {
    return Map.of("NEMOCLAW_HOME", work.resolve(home).toString(),
        "JAVA_TOOL_OPTIONS", "-Djdk.net.hosts.file=" + hosts,
        "SSL_CERT_FILE", originPem.toString());
  }

  Cli.Result sandbox(Path spec, String script) throws Exception {
    List<String> args = new ArrayList<>(List.of("run", spec.toString(), "--", "sh", "-c",
        script.replace("PORT", "" + port).replace("PLAIN", "" + plainPort)));
    return Cli.run(env("home"), null, args.toArray(String[]::new));
  }

  static String line(Cli.Result r, String name) {
    return ProxyIT.line(r, name);
  }

  @Test
  void curlAndPythonTrustTheSandboxCaAndL7RulesApplyInside() throws Exception {
    Cli.Result r = sandbox(spec("in-curl", INSPECTED), """
        echo "vars: $SSL_CERT_FILE $CURL_CA_BUNDLE $REQUESTS_CA_BUNDLE $GIT_SSL_CAINFO $NODE_EXTRA_CA_CERTS"
        echo "get: $(curl -sS https://secure.test:PORT/ok/x 2>&1)"
        echo "post: $(curl -sS -o /dev/null -w '%{http_code}' -X POST -d a=b https://secure.test:PORT/ok/x 2>&1)"
        echo "other: $(curl -sS https://secure.test:PORT/other 2>&1)"
        echo "python: $(python3 -c 'import urllib.request as u; print(u.urlopen("https://secure.test:PORT/ok/py").read().decode().strip())' 2>&1 | tail -1)"
        echo "issuer: $(curl -sS -v https://secure.test:PORT/ok/v 2>&1 | grep -i 'issuer:' | head -1)"
        echo "written: $(touch /run/nemoclaw/tls/x 2>&1 | grep -c 'Read-only')"
        """);
    assertEquals(0, r.exit(), r::toString);
    assertEquals("/run/nemoclaw/tls/ca-bundle.pem /run/nemoclaw/tls/ca-bundle.pem "
        + "/run/nemoclaw/tls/ca-bundle.pem /run/nemoclaw/tls/ca-bundle.pem "
        + "/run/nemoclaw/tls/ca.pem", line(r, "vars"));
    assertEquals("hello over tls GET /ok/x", line(r, "get"));
    assertEquals("403", line(r, "post"));
    JsonNode other = ProxyIT.json(line(r, "other"));
    assertEquals("policy_denied", other.path("error").asText(), r::toString);
    assertTrue(other.path("reason").asText().contains("/other"), r::toString);
    assertEquals("hello over tls GET /ok/py", line(r, "python"));
    assertTrue(line(r, "issuer").contains("nemoclaw sandbox CA in-curl"), r::toString);
    assertEquals("1", line(r, "written"), "the CA directory is read-only inside");
    assertFalse(seen.contains("POST /ok/x"), "the origin saw the refused POST: " + seen);
    assertFalse(seen.contains("GET /other"), "the origin saw /other: " + seen);
    assertTrue(r.stderr().contains("egress denied: POST secure.test:" + port + "/ok/x"),
        r::toString);
    assertFalse(Files.exists(work.resolve("home/state/runs/in-curl/tls/ca.pem")),
        "the CA files go with the run");
  }

  /** Node ignores SSL_CERT_FILE: NODE_EXTRA_CA_CERTS is what makes it trust the sandbox CA. */
  @Test
  void nodeTrustsTheSandboxCaThroughNodeExtraCaCerts() throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/node")), "no /usr/bin/node on this host");
    Cli.Result r = sandbox(spec("in-node", INSPECTED), """
        env -u SSL_CERT_FILE node /fetch/tls.js node secure.test PORT /ok/node
        env -u SSL_CERT_FILE -u NODE_EXTRA_CA_CERTS node /fetch/tls.js without secure.test PORT /ok/no
        """);
    assertEquals(0, r.exit(), r::toString);
    assertEquals("hello over tls GET /ok/node", line(r, "node"));
    assertTrue(line(r, "without").startsWith("error "), r::toString);
    assertFalse(seen.contains("GET /ok/no"));
    assertTrue(r.stderr().contains("did not complete the TLS handshake"), r::toString);
  }

  @Test
  void withoutInspectRulesThereIsNoCa() throws Exception {
    Cli.Result r = sandbox(spec("in-none", """
          allow:
            - {host: secure.test, ports: [PORT]}
        """), """
        echo "vars: ${SSL_CERT_FILE:-none} ${NODE_EXTRA_CA_CERTS:-none} ${CURL_CA_BUNDLE:-none}"
        echo "dir: $(ls /run/nemoclaw/tls 2>&1 | grep -c 'No such file')"
        echo "tunnel: $(curl -sSk https://secure.test:PORT/ok/x 2>&1)"
        """);
    assertEquals(0, r.exit(), r::toString);
    assertEquals("none none none", line(r, "vars"));
    assertEquals("1", line(r, "dir"));
    assertEquals("hello over tls GET /ok/x", line(r, "tunnel")); // a plain tunnel, as before
    assertFalse(Files.exists(work.resolve("home/state/runs/in-none/tls")));
  }

  /**
   * curl --proxytunnel: CONNECT host:80, then plain HTTP inside, as Node's client does, to
   * policy.local and to an inspected plain-HTTP host.
   */
  @Test
  void plainHttpInsideConnectReachesPolicyLocalAndInspectedHosts() throws Exception {
    Cli.Result r = sandbox(spec("in-policy", INSPECTED), """
        echo "tunnel: $(curl -sS --proxytunnel -w ' %{http_code}' http://policy.local/v1/nothing 2>&1)"
        echo "tls: $(curl -sS -w ' %{http_code}' https://policy.local/v1/nothing 2>&1)"
        echo "plain-get: $(curl -sS --proxytunnel http://plain.test:PLAIN/p 2>&1)"
        echo "plain-post: $(curl -sS --proxytunnel -o /dev/null -w '%{http_code}' -d x http://plain.test:PLAIN/p 2>&1)"
        """);
    assertEquals(0, r.exit(), r::toString);
    assertEquals("hello over http GET /p", line(r, "plain-get"));
    assertEquals("403", line(r, "plain-post"));
    // the escalation service answered (its 404): the proxy gave it the run's secret
    assertTrue(line(r, "tunnel").startsWith("{\"error\":\"not_found\""), r::toString);
    assertTrue(line(r, "tunnel").endsWith(" 404"), r::toString);
    assertTrue(line(r, "tls").startsWith("{\"error\":\"not_found\""), r::toString);
  }

  /** The same, run by an unprivileged user: the CA files are bound without root. */
  @Test
  void rootlessInspectionWorksTheSameWay() throws Exception {
    Path home = work.resolve("home-rootless");
    Files.createDirectories(home);
    new ProcessBuilder("chown", "65534:65534", home.toString()).start().waitFor();
    Cli.Result r = Cli.run(Map.of("NEMOCLAW_HOME", home.toString(),
            "JAVA_TOOL_OPTIONS", "-Djdk.net.hosts.file=" + hosts,
            "SSL_CERT_FILE", originPem.toString()), Cli.ROOTLESS,
        "run", spec("in-rootless", INSPECTED).toString(), "--", "sh", "-c", """
            echo "get: $(curl -sS https://secure.test:PORT/ok/rootless 2>&1)"
            echo "other: $(curl -sS -o /dev/null -w '%{http_code}' https://secure.test:PORT/x 2>&1)"
            """.replace("PORT", "" + port));
    assertEquals(0, r.exit(), r::toString);
    assertEquals("hello over tls GET /ok/rootless", line(r, "get"));
    assertEquals("403", line(r, "other"));
  }
}
