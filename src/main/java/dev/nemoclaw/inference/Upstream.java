package dev.nemoclaw.inference;

import com.sun.net.httpserver.Headers;
import dev.nemoclaw.spec.Provider;
import dev.nemoclaw.spec.Route;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** How a call to a route looks on the wire: its URL, the headers that go and come back. */
final class Upstream {
  private Upstream() {}

  /**
   * Request headers that reach the provider; everything else — the agent's {@code Authorization},
   * {@code x-api-key}, {@code api-key}, cookies, proxy credentials, {@code X-Nemoclaw-*} — stays
   * here. The SDKs' {@code x-stainless-*} telemetry (language, retry count) is harmless.
   */
  private static final Set<String> FORWARDED = Set.of("content-type", "accept", "user-agent",
      "anthropic-version", "anthropic-beta", "openai-beta", "idempotency-key");

  /** Response headers that reach the agent: the content type, retry hints and request ids. */
  private static final Set<String> RETURNED = Set.of("content-type", "retry-after",
      "retry-after-ms", "x-request-id", "request-id", "openai-processing-ms", "openai-version");

  static final String ANTHROPIC_VERSION = "2023-06-01";

  /**
   * The route's base URL and the request's path: OpenAI-style bases already end in {@code /v1}
   * (the path's own {@code /v1} is dropped), Anthropic's does not (kept).
   */
  static URI uri(URI base, String path, Optional<String> rawQuery) {
    String basePath = base.getRawPath() == null ? "" : base.getRawPath();
    while (basePath.endsWith("/")) {
      basePath = basePath.substring(0, basePath.length() - 1);
    }
    String p = basePath.endsWith("/v1") && path.startsWith("/v1/") ? path.substring(3) : path;
    return URI.create(base.getScheme() + "://" + base.getRawAuthority() + basePath + p
        + rawQuery.map(q -> "?" + q).orElse(""));
  }

  static HttpRequest request(Route route, URI uri, Headers agent, byte[] body,
      Optional<String> key) {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(route.timeout())
        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    boolean contentType = false;
    boolean anthropicVersion = false;
    for (Map.Entry<String, List<String>> h : agent.entrySet()) {
      String name = h.getKey().toLowerCase(Locale.ROOT);
      if (FORWARDED.contains(name) || name.startsWith("x-stainless-")) {
        for (String v : h.getValue()) {
          b.header(name, v);
        }
        contentType |= name.equals("content-type");
        anthropicVersion |= name.equals("anthropic-version");
      }
    }
    if (!contentType) {
      b.header("content-type", "application/json");
    }
    if (route.provider() == Provider.ANTHROPIC) {
      key.ifPresent(k -> b.header("x-api-key", k));
      if (!anthropicVersion) {
        b.header("anthropic-version", ANTHROPIC_VERSION);
      }
    } else {
      key.ifPresent(k -> b.header("authorization", "Bearer " + k));
    }
    return b.build();
  }

  /** The provider's response headers the agent gets (rate-limit headers included). */
  static void copyBack(HttpHeaders from, Headers to) {
    from.map().forEach((name, values) -> {
      String n = name.toLowerCase(Locale.ROOT);
      if (RETURNED.contains(n) || n.startsWith("x-ratelimit-")
          || n.startsWith("anthropic-ratelimit-")) {
        to.put(n, List.copyOf(values));
      }
    });
  }
}
