package dev.nemoclaw.bench;

import dev.nemoclaw.privacy.Finding;
import dev.nemoclaw.privacy.PrivacyGuard;
import dev.nemoclaw.privacy.Scanner;
import dev.nemoclaw.privacy.Verdict;
import dev.nemoclaw.spec.BuiltinDetector;
import dev.nemoclaw.spec.Detector;
import dev.nemoclaw.spec.Privacy;
import dev.nemoclaw.spec.PrivacyAction;
import dev.nemoclaw.spec.PrivacyScope;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@code Scanner.scan} with every built-in detector over inputs of exactly 1 MiB of ASCII, so
 * one op per second is one MiB per second:
 *
 * <ul>
 *   <li>{@code realistic}: English prose and JSON chat/tool records (numbers, dates, versions,
 *       times, ids, URLs), with one piece of personal data or a credential every ~2 KiB;
 *   <li>{@code dense}: personal data and credentials every ~60 chars;
 *   <li>{@code checkJson}: {@code PrivacyGuard.checkJson} (mask) of a 1 MiB chat request of the
 *       same prose: Jackson's parse and re-serialization included;
 *   <li>{@code regexPeer}: the peer, measured in the same run: the usual java.util.regex patterns
 *       for the same kinds (no Luhn, mod-97, issuer, context or entropy checks), over the
 *       realistic input.
 * </ul>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class PrivacyBench {
  static final int MIB = 1 << 20;

  private static final String[] WORDS = ("the of and to in is that it for on with as was be by this "
      + "are or at from have an they which one you were her all she there would their we him been "
      + "has when who will more no if out so said what up its about into than them can only other "
      + "new some could time these two may then do first any my now such like our over man me "
      + "even most made after also did many before must through back years where much your way "
      + "well down should because each just those people how too little state good very make "
      + "world still own see men work long get here between both life being under never day "
      + "same another know while last might us great old year off come since against go came "
      + "right used take three request response server client model agent sandbox proxy token "
      + "tokens deploy build test release config file files directory function value error "
      + "retry timeout cache query database schema upload download account invoice customer "
      + "order payment shipping address contact support ticket report summary analysis").split(" ");

  private static final String[] PII = {
      "jane.doe@example.com", "j.smith+billing@mail.example.co.uk", "(415) 555-0123",
      "+44 20 7946 0958", "415.555.0199", "4111 1111 1111 1111", "5555-5555-5555-4444",
      "378282246310005", "123-45-6789", "DE89 3704 0044 0532 0130 00", "GB29NWBK60161331926819",
      "AKIAIOSFODNN7EXAMPLE"};

  /** The peer's patterns: what a quick regex-based PII filter uses. */
  private static final List<Pattern> PEER = List.of(
      Pattern.compile("\\b(?:\\d[ -]?){13,19}\\b"),
      Pattern.compile("\\b\\d{3}-\\d{2}-\\d{4}\\b"),
      Pattern.compile("[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}"),
      Pattern.compile("(?:\\+\\d{1,3}[ .-]?)?\\(?\\b\\d{3}\\)?[ .-]?\\d{3}[ .-]\\d{4}\\b"),
      Pattern.compile("\\b[A-Z]{2}\\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\\b"),
      Pattern.compile("\\b(?:AKIA|ASIA)[A-Z0-9]{16}\\b|\\bgh[pousr]_[A-Za-z0-9]{36}\\b"
          + "|\\beyJ[\\w-]+\\.eyJ[\\w-]+\\.[\\w-]*|-----BEGIN [A-Z ]*PRIVATE KEY-----"));

  /** {@code all}, or one built-in's name to see what it costs alone (e.g. -p detectors=email). */
  @Param({"all"})
  String detectors;

  Scanner scanner;
  PrivacyGuard guard;
  String realistic;
  String dense;
  String chat;

  @Setup(Level.Trial)
  public void setup() {
    scanner = Scanner.of(Arrays.stream(BuiltinDetector.values())
        .filter(d -> detectors.equals("all") || d.yaml().equals(detectors))
        .<Detector>map(Detector.Builtin::new).toList());
    guard = PrivacyGuard.of(new Privacy(Arrays.stream(BuiltinDetector.values())
        .<Detector>map(Detector.Builtin::new).toList(), PrivacyAction.MASK,
        List.of(PrivacyScope.INFERENCE)));
    Random r = new Random(42);
    realistic = realistic(r);
    dense = dense(r);
    chat = chat(r);
    int found = scanner.scan(realistic).size();
    int foundDense = scanner.scan(dense).size();
    if (realistic.length() != MIB || dense.length() != MIB || chat.length() != MIB
        || detectors.equals("all") && (found < 200 || foundDense < 10_000)
        || !(guard.checkJson(PrivacyScope.INFERENCE, chat) instanceof Verdict.Masked)) {
      throw new IllegalStateException("inputs are not what the benchmark claims: " + found
          + " findings in realistic, " + foundDense + " in dense");
    }
    System.out.printf("%nrealistic: %d findings, dense: %d findings, regex peer: %d matches%n",
        found, foundDense, regexPeer());
  }

  private static String word(Random r) {
    return WORDS[r.nextInt(WORDS.length)];
  }

  /** A sentence with the numbers prose has: years, counts, versions, times, dates, prices. */
  private static void sentence(Random r, StringBuilder b) {
    int n = 8 + r.nextInt(14);
    for (int k = 0; k < n; k++) {
      String w = word(r);
      if (k == 0) {
        w = Character.toUpperCase(w.charAt(0)) + w.substring(1);
      } else {
        b.append(' ');
      }
      b.append(w);
      switch (r.nextInt(40)) {
        case 0 -> b.append(' ').append(2015 + r.nextInt(11));
        case 1 -> b.append(" v").append(r.nextInt(4)).append('.').append(r.nextInt(20)).append('.')
            .append(r.nextInt(10));
        case 2 -> b.append(" at ").append(r.nextInt(24)).append(':').append(10 + r.nextInt(50));
        case 3 -> b.append(" on 2024-0").append(1 + r.nextInt(9)).append('-').append(10 + r.nextInt(18));
        case 4 -> b.append(" $").append(r.nextInt(500)).append('.').append(10 + r.nextInt(89));
        case 5 -> b.append(" #").append(100000 + r.nextInt(900000));
        case 6 -> b.append(',');
        default -> { }
      }
    }
    b.append(". ");
  }

  private static void record(Random r, StringBuilder b) {
    b.append("{\"id\":").append(1_000_000 + r.nextInt(9_000_000)).append(",\"role\":\"")
        .append(r.nextBoolean() ? "user" : "assistant").append("\",\"created\":")
        .append(1_700_000_000 + r.nextInt(50_000_000)).append(",\"content\":\"");
    sentence(r, b);
    b.append("\",\"url\":\"https://api.example.com/v1/items/").append(r.nextInt(100000))
        .append("?page=").append(r.nextInt(9)).append("\",\"ip\":\"10.").append(r.nextInt(256))
        .append('.').append(r.nextInt(256)).append('.').append(r.nextInt(256)).append("\"}\n");
  }

  private static String realistic(Random r) {
    StringBuilder b = new StringBuilder(MIB + 4096);
    int nextPii = 2048;
    while (b.length() < MIB) {
      if (r.nextInt(3) == 0) {
        record(r, b);
      } else {
        for (int k = 0; k < 4; k++) {
          sentence(r, b);
        }
        b.append('\n');
      }
      if (b.length() >= nextPii) {
        b.append("Reach me at ").append(PII[r.nextInt(PII.length)]).append(". ");
        nextPii += 1024 + r.nextInt(2048);
      }
    }
    return b.substring(0, MIB);
  }

  private static String dense(Random r) {
    StringBuilder b = new StringBuilder(MIB + 256);
    while (b.length() < MIB) {
      b.append(word(r)).append(' ').append(word(r)).append(": ")
          .append(PII[r.nextInt(PII.length)]).append(", ").append(word(r)).append(' ')
          .append(word(r)).append(".\n");
    }
    return b.substring(0, MIB);
  }

  /** A chat completion request of 1 MiB: messages of prose, a card in every 20th. */
  private static String chat(Random r) {
    StringBuilder b = new StringBuilder(MIB);
    b.append("{\"model\":\"nvidia/nemotron\",\"messages\":[");
    String end = "\"}]}";
    for (int m = 0; ; m++) {
      StringBuilder content = new StringBuilder();
      for (int k = 0; k < 6; k++) {
        sentence(r, content);
      }
      if (m % 20 == 0) {
        content.append("My card is 4111 1111 1111 1111.");
      }
      String head = (m == 0 ? "" : ",") + "{\"role\":\"" + (m % 2 == 0 ? "user" : "assistant")
          + "\",\"content\":\"";
      if (b.length() + head.length() + content.length() + end.length() >= MIB) {
        // the last message takes exactly the room left
        b.append(head);
        int room = MIB - b.length() - end.length();
        b.append(content, 0, Math.min(room, content.length()));
        while (b.length() < MIB - end.length()) {
          b.append(' ');
        }
        return b.append(end).toString();
      }
      b.append(head).append(content).append("\"}");
    }
  }

  @Benchmark
  public List<Finding> realistic() {
    return scanner.scan(realistic);
  }

  @Benchmark
  public List<Finding> dense() {
    return scanner.scan(dense);
  }

  @Benchmark
  public Verdict checkJson() {
    return guard.checkJson(PrivacyScope.INFERENCE, chat);
  }

  @Benchmark
  public int regexPeer() {
    int count = 0;
    for (Pattern p : PEER) {
      Matcher m = p.matcher(realistic);
      while (m.find()) {
        count++;
      }
    }
    return count;
  }
}
