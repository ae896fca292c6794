package dev.nemoclaw.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Events come out the same however the provider's stream is cut into reads. */
class InferenceSseParserTest {
  static final String STREAM = "event: a\r\ndata: {\"x\":\"é€😀\"}\r\n\r\n"
      + "data: one\ndata: two\n\n\n"
      + ": comment\ndata: [DONE]";
  static final List<List<String>> EVENTS = List.of(
      List.of("event: a", "data: {\"x\":\"é€😀\"}"),
      List.of("data: one", "data: two"),
      List.of(": comment", "data: [DONE]"));

  static List<List<String>> parse(byte[] b, int... cuts) throws IOException {
    List<List<String>> out = new ArrayList<>();
    SseParser p = new SseParser(out::add);
    int from = 0;
    for (int cut : cuts) {
      p.feed(b, from, cut - from);
      from = cut;
    }
    p.feed(b, from, b.length - from);
    p.finish();
    return out;
  }

  @Test
  void wholeInTwoPiecesAtEveryByteOrByteByByteAllAgree() throws IOException {
    byte[] b = STREAM.getBytes(StandardCharsets.UTF_8);
    assertEquals(EVENTS, parse(b));
    for (int cut = 0; cut <= b.length; cut++) {
      assertEquals(EVENTS, parse(b, cut), "cut at byte " + cut);
    }
    int[] every = new int[b.length];
    for (int i = 0; i < b.length; i++) {
      every[i] = i;
    }
    assertEquals(EVENTS, parse(b, every));
  }

  @Test
  void feedReadsOnlyItsSliceOfTheBuffer() throws IOException {
    byte[] framed = ("garbage\n\n" + STREAM + "\n\nmore garbage").getBytes(StandardCharsets.UTF_8);
    int off = "garbage\n\n".length();
    int len = STREAM.getBytes(StandardCharsets.UTF_8).length;
    List<List<String>> out = new ArrayList<>();
    SseParser p = new SseParser(out::add);
    p.feed(framed, off, len);
    p.finish();
    assertEquals(EVENTS, out);
  }

  @Test
  void anEndlessEventIsCutNotBuffered() throws Exception {
    byte[] chunk = new byte[1 << 20];
    java.util.Arrays.fill(chunk, (byte) 'x');
    SseParser oneLine = new SseParser(e -> { });
    org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () -> {
      for (int i = 0; i < 20; i++) {
        oneLine.feed(chunk, 0, chunk.length);
      }
    });
    byte[] line = ("data: " + "y".repeat(1000) + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
    SseParser manyLines = new SseParser(e -> { });
    org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () -> {
      for (int i = 0; i < 20_000; i++) {
        manyLines.feed(line, 0, line.length);
      }
    });
    // a large event that ends is fine, and the count starts again after it
    List<List<String>> got = new ArrayList<>();
    SseParser ok = new SseParser(got::add);
    for (int round = 0; round < 3; round++) {
      for (int i = 0; i < 10_000; i++) {
        ok.feed(line, 0, line.length);
      }
      ok.feed(new byte[] {'\n'}, 0, 1);
    }
    org.junit.jupiter.api.Assertions.assertEquals(3, got.size());
  }
}
