package dev.nemoclaw.inference;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import dev.nemoclaw.privacy.PrivacyGuard;
import dev.nemoclaw.privacy.Verdict;
import dev.nemoclaw.spec.PrivacyScope;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Copies a provider's answer to the agent — whole, or a server-sent-event stream as it arrives —
 * while reading the usage out of it and applying privacy to it ({@code output} scope).
 */
final class Relay {
  /**
   * What went back: the usage the provider reported (if it did), the characters of answer text
   * (to estimate when it did not), and what went wrong on the way.
   */
  record Result(Optional<Usage> reported, long answerChars, Optional<String> error) {}

  private final PrivacyGuard privacy;
  private final Findings findings;
  private final Optional<String> key;
  private final Consumer<Result> settle;

  /**
   * {@code key}: the route's key, scrubbed from error bodies that might echo it. {@code settle}
   * runs once, before the agent has the last byte: an agent that asks again the moment an answer
   * ends must find it counted (budget, snapshot, events).
   */
  Relay(PrivacyGuard privacy, Findings findings, Optional<String> key, Consumer<Result> settle) {
    this.privacy = privacy;
    this.findings = findings;
    this.key = key;
    this.settle = settle;
  }

  void relay(HttpExchange ex, HttpResponse<InputStream> resp) throws IOException {
    Upstream.copyBack(resp.headers(), ex.getResponseHeaders());
    boolean sse = resp.headers().firstValue("content-type")
        .filter(t -> t.toLowerCase(Locale.ROOT).startsWith("text/event-stream"))
        .isPresent();
    if (sse && resp.statusCode() / 100 == 2) {
      streamed(ex, resp);
    } else {
      whole(ex, resp);
    }
  }

  private void whole(HttpExchange ex, HttpResponse<InputStream> resp) throws IOException {
    byte[] body;
    try (InputStream in = resp.body()) {
      body = in.readAllBytes();
    }
    int status = resp.statusCode();
    if (status / 100 != 2) {
      settle.accept(new Result(Optional.empty(), 0, Optional.empty()));
      Replies.bytes(ex, status, scrub(body, key));
      return;
    }
    Optional<ObjectNode> answer = Json.parseObject(body);
    Optional<Usage> usage = answer.flatMap(Usage::in);
    long chars = answer.map(Usage::textChars).orElse((long) body.length);
    if (privacy.covers(PrivacyScope.OUTPUT)) {
      Verdict v = privacy.checkJson(PrivacyScope.OUTPUT, new String(body,
          StandardCharsets.UTF_8));
      findings.add(v);
      switch (v) {
        case Verdict.Masked m -> body = m.text().getBytes(StandardCharsets.UTF_8);
        case Verdict.Blocked b -> {
          GatewayError e = blockedOutput(b);
          settle.accept(new Result(usage, chars, Optional.of(e.code())));
          Replies.error(ex, e);
          return;
        }
        default -> { }
      }
    }
    settle.accept(new Result(usage, chars, Optional.empty()));
    Replies.bytes(ex, status, body);
  }

  /**
   * Each read is written and flushed at once, so tokens reach the agent as the provider sends
   * them. With output privacy on, whole events are needed to mask in them, so each event is held
   * until its closing blank line (a value split across two events is not seen).
   */
  private void streamed(HttpExchange ex, HttpResponse<InputStream> resp) throws IOException {
    ex.getResponseHeaders().set("Cache-Control", "no-cache");
    ex.sendResponseHeaders(resp.statusCode(), 0);
    OutputStream out = ex.getResponseBody();
    boolean perEvent = privacy.covers(PrivacyScope.OUTPUT);
    Tap tap = new Tap();
    SseParser parser = new SseParser(event -> {
      Optional<String> data = SseParser.data(event);
      Optional<ObjectNode> json = data.flatMap(Json::parseObject);
      json.ifPresent(tap::observe);
      if (perEvent) {
        String text = SseParser.render(event, data.orElse(""));
        if (json.isPresent()) {
          Verdict v = privacy.checkJson(PrivacyScope.OUTPUT, data.get());
          findings.add(v);
          switch (v) {
            case Verdict.Masked m -> text = SseParser.render(event, m.text());
            case Verdict.Blocked b -> throw new OutputBlocked(b);
            default -> { }
          }
        }
        write(out, text.getBytes(StandardCharsets.UTF_8), 0, -1);
      }
    });
    Optional<String> error = Optional.empty();
    byte[] buf = new byte[16 * 1024];
    try (InputStream in = resp.body()) {
      try {
        for (int n; (n = in.read(buf)) >= 0; ) {
          if (!perEvent) {
            write(out, buf, 0, n);
          }
          parser.feed(buf, 0, n);
        }
        parser.finish();
      } catch (OutputBlocked b) {
        GatewayError e = blockedOutput(b.verdict);
        error = Optional.of(e.code());
        errorEvent(out, e);
      } catch (IOException e) {
        error = Optional.of("stream from the provider broke: " + e.getMessage());
        errorEvent(out, GatewayError.of(502, "upstream_interrupted",
            "the provider's stream broke off: " + e.getMessage(), "ask again"));
      }
    } catch (ClientGone g) {
      error = Optional.of("the agent closed the stream");
    }
    settle.accept(new Result(tap.usage, tap.chars, error));
    out.close();
  }

  /** What the events of a stream said so far: usage (each figure only grows) and text. */
  private static final class Tap {
    Optional<Usage> usage = Optional.empty();
    long chars;

    void observe(ObjectNode event) {
      Usage.in(event).ifPresent(u -> usage = Optional.of(usage.map(u::max).orElse(u)));
      chars += Usage.textChars(event);
    }
  }

  private static GatewayError blockedOutput(Verdict.Blocked b) {
    return GatewayError.of(502, "privacy_blocked_output", "the model's answer contained "
        + String.join(", ", Findings.names(b)) + ", which privacy settings block",
        "ask for an answer without it, or change privacy.action in agent.yaml").notRetryable();
  }

  /** Ends a stream with an error event both the OpenAI and the Anthropic SDKs raise. */
  private static void errorEvent(OutputStream out, GatewayError e) {
    String ev = "event: error\ndata: " + e.body() + "\n\n";
    write(out, ev.getBytes(StandardCharsets.UTF_8), 0, -1);
  }

  private static void write(OutputStream out, byte[] b, int off, int len) {
    try {
      out.write(b, off, len < 0 ? b.length : len);
      out.flush();
    } catch (IOException e) {
      throw new ClientGone(e);
    }
  }

  /** Error bodies may quote the key the provider refused; the agent never sees it. */
  static byte[] scrub(byte[] body, Optional<String> key) {
    if (key.isEmpty() || key.get().isEmpty()) {
      return body;
    }
    String s = new String(body, StandardCharsets.UTF_8);
    return s.contains(key.get())
        ? s.replace(key.get(), "[key]").getBytes(StandardCharsets.UTF_8) : body;
  }

  /** Writing to the agent failed: it went away. Unchecked to cross the parser's sink. */
  private static final class ClientGone extends UncheckedIOException {
    private static final long serialVersionUID = 1L;

    ClientGone(IOException cause) {
      super(cause);
    }
  }

  private static final class OutputBlocked extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final transient Verdict.Blocked verdict;

    OutputBlocked(Verdict.Blocked verdict) {
      super(null, null, false, false);
      this.verdict = verdict;
    }
  }
}
