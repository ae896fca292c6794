package dev.nemoclaw.sandbox.seccomp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SeccompCacheTest {
  static final SeccompProfile.Host X86 = SeccompProfileTest.X86;

  @TempDir Path dir;

  private List<Path> entries() throws Exception {
    try (Stream<Path> s = Files.list(dir.resolve("cache"))) {
      return s.toList();
    }
  }

  @Test
  void aCachedFilterIsTheParsedOne() throws Exception {
    Path profile = Path.of("profiles/seccomp/default.json");
    SeccompCache cache = new SeccompCache(dir.resolve("cache"), X86);
    SeccompFilter parsed = SeccompProfile.load(profile, X86);
    assertEquals(parsed, cache.load(profile)); // miss: parsed and written
    assertEquals(1, entries().size());
    assertEquals(parsed, new SeccompCache(dir.resolve("cache"), X86).load(profile)); // hit
  }

  @Test
  void anEditedProfileIsParsedAgain() throws Exception {
    Path profile = dir.resolve("p.json");
    Files.writeString(profile, """
        {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
          {"names": ["read"], "action": "SCMP_ACT_ALLOW"}]}""");
    SeccompCache cache = new SeccompCache(dir.resolve("cache"), X86);
    assertEquals(1, cache.load(profile).rules().size());
    Files.writeString(profile, """
        {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
          {"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"}]}""");
    assertEquals(2, cache.load(profile).rules().size());
  }

  @Test
  void anotherKernelOrArchitectureIsParsedAgain() throws Exception {
    Path profile = dir.resolve("p.json");
    Files.writeString(profile, """
        {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
          {"names": ["read"], "action": "SCMP_ACT_ALLOW"},
          {"names": ["new_call"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "6.5"}}]}""");
    SeccompProfile.Host old = new SeccompProfile.Host("SCMP_ARCH_X86_64", Set.of("amd64"), 6, 1);
    SeccompProfile.Host recent = new SeccompProfile.Host("SCMP_ARCH_X86_64", Set.of("amd64"), 6, 8);
    assertEquals(1, new SeccompCache(dir.resolve("cache"), old).load(profile).rules().size());
    assertEquals(2, new SeccompCache(dir.resolve("cache"), recent).load(profile).rules().size());
    assertEquals(1, new SeccompCache(dir.resolve("cache"), old).load(profile).rules().size());
    assertNotEquals(SeccompCache.hostKey(old), SeccompCache.hostKey(recent));
  }

  @Test
  void aDamagedEntryIsIgnoredAndRewritten() throws Exception {
    Path profile = Path.of("profiles/seccomp/strict.json");
    SeccompCache cache = new SeccompCache(dir.resolve("cache"), X86);
    SeccompFilter parsed = cache.load(profile);
    Path entry = entries().getFirst();
    byte[] whole = Files.readAllBytes(entry);
    Files.write(entry, java.util.Arrays.copyOf(whole, whole.length - 9)); // truncated
    assertEquals(parsed, cache.load(profile));
    assertEquals(whole.length, Files.size(entry));
    whole[whole.length - 30] ^= 0x40; // a flipped bit in a rule
    Files.write(entry, whole);
    assertEquals(parsed, cache.load(profile));
    assertEquals(whole.length, Files.size(entry));
  }

  @Test
  void errorsAreThoseOfTheProfile() throws Exception {
    Path profile = dir.resolve("bad.json");
    Files.writeString(profile, "{\"defaultAction\": \"SCMP_ACT_NOPE\"}");
    SeccompCache cache = new SeccompCache(dir.resolve("cache"), X86);
    SeccompProfileException e = assertThrows(SeccompProfileException.class,
        () -> cache.load(profile));
    assertEquals(assertThrows(SeccompProfileException.class,
        () -> SeccompProfile.load(profile, X86)).getMessage(), e.getMessage());
    assertThrows(SeccompProfileException.class, () -> cache.load(dir.resolve("missing.json")));
  }
}
