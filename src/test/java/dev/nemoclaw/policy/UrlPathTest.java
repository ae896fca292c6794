package dev.nemoclaw.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class UrlPathTest {
  @Test
  void foldsWhatEveryServerAgreesOn() {
    assertEquals(Optional.of("/a/b"), UrlPath.canonical("/a/b?x=../../y#z"));
    assertEquals(Optional.of("/a/b/"), UrlPath.canonical("//a///b/"));
    assertEquals(Optional.of("/"), UrlPath.canonical("/"));
    assertEquals(Optional.of("/"), UrlPath.canonical("//"));
    assertEquals(Optional.of("/~user/a-b_c.d"), UrlPath.canonical("/%7euser/a%2Db%5fc%2ed"));
    assertEquals(Optional.of("/a%20b/%C3%A9"), UrlPath.canonical("/a%20b/%c3%a9"));
    assertEquals(Optional.of("/a/..b/c."), UrlPath.canonical("/a/..b/c."));
    assertEquals(Optional.of("/a;v=1/b"), UrlPath.canonical("/a;v=1/b"));
  }

  @Test
  void refusesWhatServersDisagreeOn() {
    for (String p : List.of("/a/../b", "/a/./b", "/..", "/a/%2e%2e/b", "/a/%2E/b", "/a/.%2e",
        "/a%2fb", "/a%2Fb", "/a%5cb", "/a\\b", "/a/..;/b", "/a/.;x/b", "/a%00", "/a%0a",
        "/a%", "/a%4", "/a%g0", "/a b", "a/b", "", "?x", "*", "http://h/a")) {
      assertTrue(UrlPath.canonical(p).isEmpty(), p);
    }
  }

  @Test
  void withoutParams() {
    assertEquals("/a/b", UrlPath.withoutParams("/a;x=1/b;y"));
    assertEquals("/a/b/", UrlPath.withoutParams("/a;/b;/"));
    String plain = "/a/b";
    assertTrue(plain == UrlPath.withoutParams(plain));
  }

  @Test
  void globs() {
    Pattern star = UrlPath.glob("/repos/*/issues");
    assertTrue(star.matcher("/repos/x/issues").matches());
    assertTrue(star.matcher("/repos//issues").matches());
    assertFalse(star.matcher("/repos/x/y/issues").matches());
    Pattern any = UrlPath.glob("/repos/**");
    for (String p : List.of("/repos", "/repos/", "/repos/a", "/repos/a/b/c")) {
      assertTrue(any.matcher(p).matches(), p);
    }
    assertFalse(any.matcher("/reposx").matches());
    assertFalse(any.matcher("/r").matches());
    Pattern mid = UrlPath.glob("/a/**/z");
    assertTrue(mid.matcher("/a/z").matches());
    assertTrue(mid.matcher("/a/b/c/z").matches());
    assertFalse(mid.matcher("/a/bz").matches());
    Pattern root = UrlPath.glob("/**");
    assertTrue(root.matcher("/").matches());
    assertTrue(root.matcher("/x/y").matches());
    Pattern partial = UrlPath.glob("/v1/model**");
    assertTrue(partial.matcher("/v1/models/x").matches());
    Pattern literal = UrlPath.glob("/a.b/(x)+[y]$");
    assertTrue(literal.matcher("/a.b/(x)+[y]$").matches());
    assertFalse(literal.matcher("/aXb/(x)+[y]$").matches());
    assertTrue(UrlPath.glob("//a//*").matcher("/a/b").matches(), "globs fold slashes too");
  }
}
