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
}
