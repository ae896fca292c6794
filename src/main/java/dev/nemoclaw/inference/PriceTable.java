package dev.nemoclaw.inference;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nemoclaw.host.HostDirs;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * USD per million tokens by model: the built-in table ({@code prices.json} beside this class),
 * under the user's {@code <config>/prices.json} (same format). Lookup: the user's entries first,
 * then the built-in ones; within each, an exact model name beats a glob, a longer glob beats a
 * shorter one. An entry with a {@code provider} matches routes of that provider only. Immutable.
 */
public final class PriceTable {
  public static final String FILE = "prices.json";

  /** USD per million input (prompt) and output (completion) tokens. */
  public record Price(BigDecimal inputPerMillion, BigDecimal outputPerMillion) {
    public BigDecimal cost(long promptTokens, long completionTokens) {
      BigDecimal c = inputPerMillion.multiply(BigDecimal.valueOf(promptTokens))
          .add(outputPerMillion.multiply(BigDecimal.valueOf(completionTokens)))
          .movePointLeft(6).stripTrailingZeros();
      return c.scale() < 0 ? c.setScale(0) : c; // 12, never 1.2E+1, in JSON
    }
  }

  private record Entry(Optional<String> provider, String model, Pattern glob, Price price) {
    boolean exact() {
      return model.indexOf('*') < 0 && model.indexOf('?') < 0;
    }

    boolean matches(String p, String m) {
      return provider.map(p::equalsIgnoreCase).orElse(true) && glob.matcher(m).matches();
    }
  }

  private static final Comparator<Entry> SPECIFIC_FIRST = Comparator
      .comparing((Entry e) -> !e.exact()).thenComparing(e -> -e.model().length());

  private final List<Entry> user;
  private final List<Entry> builtIn;

  private PriceTable(List<Entry> user, List<Entry> builtIn) {
    this.user = user.stream().sorted(SPECIFIC_FIRST).toList();
    this.builtIn = builtIn.stream().sorted(SPECIFIC_FIRST).toList();
  }

  public static PriceTable builtIn() {
    try (InputStream in = PriceTable.class.getResourceAsStream(FILE)) {
      if (in == null) {
        throw new IllegalStateException("the built-in " + FILE + " is missing from the jar");
      }
      return new PriceTable(List.of(), parse(Json.MAPPER.readTree(in)));
    } catch (IOException e) {
      throw new IllegalStateException("the built-in " + FILE + " is broken: " + e.getMessage(), e);
    }
  }

  /** The built-in table under {@code <config>/prices.json} when that exists. */
  public static PriceTable load(HostDirs dirs) throws IOException {
    return load(dirs.config().resolve(FILE));
  }

  /**
   * The built-in table under {@code file} when it exists.
   *
   * @throws IOException naming the file and the entry when it is not a valid price table (a
   *     budget counted with the wrong prices is worse than a run that does not start)
   */
  public static PriceTable load(Path file) throws IOException {
    PriceTable base = builtIn();
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      return base;
    }
    try {
      return new PriceTable(parse(Json.MAPPER.readTree(text)), base.builtIn);
    } catch (IOException | IllegalArgumentException e) {
      throw new IOException(file + ": " + e.getMessage()
          + " (format: {\"prices\": [{\"model\": \"gpt-4o*\", \"input\": 2.50, \"output\": 10.00}]}"
          + ", USD per 1M tokens; see docs/inference.md)", e);
    }
  }

  public Optional<Price> price(String provider, String model) {
    for (List<Entry> table : List.of(user, builtIn)) {
      for (Entry e : table) {
        if (e.matches(provider, model)) {
          return Optional.of(e.price());
        }
      }
    }
    return Optional.empty();
  }

  /** The cost of a call, 0 when the model is unpriced (see {@link #price}). */
  public BigDecimal cost(String provider, String model, long promptTokens, long completionTokens) {
    return price(provider, model).map(p -> p.cost(promptTokens, completionTokens))
        .orElse(BigDecimal.ZERO);
  }

  private static final Set<String> TOP = Set.of("prices", "about", "notes");
  private static final Set<String> FIELDS = Set.of("model", "provider", "input", "output", "note");

  private static List<Entry> parse(JsonNode root) {
    if (!root.isObject() || !root.path("prices").isArray()) {
      throw new IllegalArgumentException("expected an object with a \"prices\" array");
    }
    root.fieldNames().forEachRemaining(f -> {
      if (!TOP.contains(f)) {
        throw new IllegalArgumentException("unknown key \"" + f + "\"; allowed: " + TOP);
      }
    });
    List<Entry> out = new ArrayList<>();
    int i = 0;
    for (JsonNode e : root.path("prices")) {
      String at = "prices[" + i++ + "]";
      e.fieldNames().forEachRemaining(f -> {
        if (!FIELDS.contains(f)) {
          throw new IllegalArgumentException(at + ": unknown key \"" + f + "\"; allowed: " + FIELDS);
        }
      });
      if (!e.path("model").isTextual() || e.path("model").asText().isBlank()) {
        throw new IllegalArgumentException(at + ": \"model\" (a name or glob) is required");
      }
      String model = e.path("model").asText();
      Optional<String> provider = e.path("provider").isTextual()
          ? Optional.of(e.path("provider").asText()) : Optional.empty();
      out.add(new Entry(provider, model, glob(model),
          new Price(usd(e, "input", at), usd(e, "output", at))));
    }
    return out;
  }

  private static BigDecimal usd(JsonNode e, String field, String at) {
    JsonNode v = e.path(field);
    if (!v.isNumber() || v.decimalValue().signum() < 0) {
      throw new IllegalArgumentException(at + ": \"" + field
          + "\" must be a number >= 0 (USD per 1M tokens)");
    }
    return v.decimalValue();
  }

  private static Pattern glob(String g) {
    StringBuilder re = new StringBuilder();
    for (String part : g.split("(?=[*?])|(?<=[*?])")) {
      re.append(switch (part) {
        case "*" -> ".*";
        case "?" -> ".";
        default -> Pattern.quote(part);
      });
    }
    return Pattern.compile(re.toString(), Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
  }
}
