package dev.nemoclaw.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nemoclaw.fake.FakeModel;
import dev.nemoclaw.host.HostDirs;
import dev.nemoclaw.spec.Budget;
import dev.nemoclaw.spec.Provider;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What calls cost: the built-in table, the user's prices.json over it, unknown models. */
class InferencePricesTest {
  @TempDir Path dir;

  static PriceTable.Price price(String in, String out) {
    return new PriceTable.Price(new BigDecimal(in), new BigDecimal(out));
  }

  @Test
  void theBuiltInTableKnowsCommonModelsMostSpecificFirst() {
    PriceTable t = PriceTable.builtIn();
    assertEquals(Optional.of(price("2.50", "10.00")), t.price("openai", "gpt-4o"));
    assertEquals(Optional.of(price("0.15", "0.60")), t.price("openai", "gpt-4o-mini-2024-07-18"));
    assertEquals(Optional.of(price("5.00", "15.00")), t.price("openai", "gpt-4o-2024-05-13"));
    assertEquals(Optional.of(price("2.50", "10.00")), t.price("openai", "gpt-4o-2024-08-06"));
    assertEquals(Optional.of(price("3.00", "15.00")),
        t.price("anthropic", "claude-sonnet-4-5-20250929"));
    assertEquals(Optional.of(price("5.00", "25.00")), t.price("anthropic", "claude-opus-4-5"));
    assertEquals(Optional.of(price("15.00", "75.00")), t.price("anthropic", "claude-opus-4-1"));
    assertTrue(t.price("openai", "nvidia/nemotron-3-super-120b-a12b").isPresent(),
        "an OpenAI-compatible route to NVIDIA is priced by model");
    assertEquals(Optional.of(price("0", "0")), t.price("ollama", "llama3.2:3b"));
    assertEquals(Optional.empty(), t.price("openai", "llama3.2:3b"));
    assertEquals(new BigDecimal("0.0000125"), t.cost("openai", "gpt-4o", 1, 1));
    assertEquals(BigDecimal.ZERO, t.cost("openai", "who-knows", 1000, 1000));
  }

  @Test
  void theUsersFileOverridesAndAdds() throws IOException {
    Files.createDirectories(dir.resolve("config"));
    Files.writeString(dir.resolve("config/prices.json"), """
        {"prices": [
          {"model": "gpt-4o*", "input": 1, "output": 2},
          {"model": "my-model", "provider": "ollama", "input": 0.5, "output": 0.5, "note": "x"}
        ]}""");
    PriceTable t = PriceTable.load(new HostDirs(dir.resolve("config"), dir, dir));
    assertEquals(Optional.of(price("1", "2")), t.price("openai", "gpt-4o"),
        "the user's glob beats the built-in exact entry");
    assertEquals(Optional.of(price("0.5", "0.5")), t.price("ollama", "my-model"));
    assertEquals(Optional.of(price("0", "0")), t.price("ollama", "other"));
    assertEquals(Optional.empty(), t.price("openai", "my-model"), "provider-bound");
    assertEquals(Optional.of(price("3.00", "15.00")), t.price("anthropic", "claude-sonnet-4"));
    assertEquals(PriceTable.builtIn().price("openai", "o3"),
        PriceTable.load(dir.resolve("absent.json")).price("openai", "o3"));
  }

  @Test
  void aBrokenPricesFileIsAnErrorNamingFileAndEntry() throws IOException {
    Path f = dir.resolve("prices.json");
    Files.writeString(f, "{\"prices\":[{\"model\":\"a\",\"input\":1,\"output\":2},"
        + "{\"model\":\"b\",\"input\":-1,\"output\":2}]}");
    IOException e = assertThrows(IOException.class, () -> PriceTable.load(f));
    assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("prices[1]: \"input\" must be a number >= 0"),
        e.getMessage());
    Files.writeString(f, "{\"price\":[]}");
    assertThrows(IOException.class, () -> PriceTable.load(f));
    Files.writeString(f, "{\"prices\":[{\"model\":\"a\",\"input\":1,\"output\":2,\"inptu\":1}]}");
    assertTrue(assertThrows(IOException.class, () -> PriceTable.load(f)).getMessage()
        .contains("unknown key \"inptu\""));
  }

  @Test
  void callsAreCostedFromTheTable() throws Exception {
    Files.writeString(dir.resolve("prices.json"),
        "{\"prices\":[{\"model\":\"house-model\",\"input\":2,\"output\":4}]}");
    try (FakeModel fake = FakeModel.start(0, Optional.empty());
        Rig rig = Rig.with(Rig.route("main", Provider.OPENAI, fake.baseUrl(), "gpt-4o-mini"),
            Rig.route("house", Provider.OPENAI, fake.baseUrl(), "house-model"))
            .prices(PriceTable.load(dir.resolve("prices.json"))).start()) {
      rig.post("/v1/chat/completions", Rig.chat("main", "hello there!"));
      InferenceEvent.Call c = rig.events(InferenceEvent.Call.class).getLast();
      // 3 prompt tokens at $0.15/M + 5 completion tokens at $0.60/M
      assertEquals(0, new BigDecimal("0.00000345").compareTo(c.usd()), c.usd().toString());
      assertFalse(c.unpriced());
      rig.post("/v1/chat/completions", Rig.chat("house", "hello there!"));
      c = rig.events(InferenceEvent.Call.class).getLast();
      assertEquals(0, new BigDecimal("0.000026").compareTo(c.usd()), c.usd().toString());
      assertEquals(0, new BigDecimal("0.00002945").compareTo(rig.snapshot().usd()));
      assertEquals(0, new BigDecimal("0.000026").compareTo(
          rig.snapshot().routes().get(1).usd()));
    }
  }

  @Test
  void anUnknownModelCostsNothingAndIsFlagged() throws Exception {
    try (FakeModel fake = FakeModel.start(0, Optional.empty());
        Rig rig = Rig.with(Rig.route("main", Provider.OPENAI, fake.baseUrl(), "mystery-1"))
            .budget(new Budget(OptionalLong.empty(), Optional.of(BigDecimal.ONE))).start()) {
      rig.post("/v1/chat/completions", Rig.chat("main", "hi"));
      InferenceEvent.Call c = rig.events(InferenceEvent.Call.class).getLast();
      assertTrue(c.unpriced());
      assertEquals(BigDecimal.ZERO, c.usd());
      assertTrue(c.note().orElseThrow().contains("not counted against inference.budget.usd"),
          c.note().toString());
      assertEquals(1, rig.snapshot().unpricedCalls());
    }
  }
}
