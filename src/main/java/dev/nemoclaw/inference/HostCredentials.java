package dev.nemoclaw.inference;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * The environment, then the credentials file. The file is checked at every lookup (one stat) the
 * way ssh checks a private key — owned by this user, no permission bits for group or others —
 * because keys in a file anyone can read are already leaked; it is re-read only when its inode,
 * size or modification time changed.
 */
final class HostCredentials implements Credentials {
  private final Function<String, String> env;
  private final Path file;
  private final long uid;
  private Loaded loaded;

  private record Loaded(Object inode, long size, Object mtime, Map<String, String> values) {}

  HostCredentials(Function<String, String> env, Path file) {
    this(env, file, new com.sun.security.auth.module.UnixSystem().getUid());
  }

  HostCredentials(Function<String, String> env, Path file, long uid) {
    this.env = env;
    this.file = file;
    this.uid = uid;
  }

  @Override
  public Optional<String> lookup(String name) {
    String v = env.apply(name);
    if (v != null && !v.isEmpty()) {
      return Optional.of(v);
    }
    return Optional.ofNullable(fileValues().get(name));
  }

  @Override
  public String describe() {
    return "the supervisor's environment or " + file;
  }

  private synchronized Map<String, String> fileValues() {
    Map<String, Object> a;
    try {
      a = Files.readAttributes(file, "unix:uid,mode,ino,size,lastModifiedTime");
    } catch (NoSuchFileException e) {
      loaded = null;
      return Map.of();
    } catch (IOException e) {
      throw new CredentialsException("cannot read " + file + ": " + e.getMessage());
    }
    if (((Number) a.get("uid")).longValue() != uid) {
      throw new CredentialsException(file + " is owned by uid " + a.get("uid") + ", not by you (uid "
          + uid + "); keys are read only from your own file: chown it, then chmod 600 " + file);
    }
    int mode = (Integer) a.get("mode") & 0777;
    if ((mode & 0077) != 0) {
      throw new CredentialsException(file + " is open to group or others (mode "
          + String.format("%04o", mode) + "); run: chmod 600 " + file);
    }
    Loaded l = loaded;
    if (l != null && Objects.equals(l.inode(), a.get("ino")) && l.size() == (Long) a.get("size")
        && l.mtime().equals(a.get("lastModifiedTime"))) {
      return l.values();
    }
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new CredentialsException("cannot read " + file + ": " + e.getMessage());
    }
    Map<String, String> values = parse(lines);
    loaded = new Loaded(a.get("ino"), (Long) a.get("size"), a.get("lastModifiedTime"), values);
    return values;
  }

  /**
   * {@code NAME=value} lines (an {@code export } prefix and surrounding quotes allowed, so the
   * file can also be sourced by a shell); {@code #} comments and blank lines skipped. A bad line
   * is reported by number only: it might hold a key.
   */
  private Map<String, String> parse(List<String> lines) {
    Map<String, String> values = new HashMap<>();
    for (int i = 0; i < lines.size(); i++) {
      String l = lines.get(i).strip();
      if (l.isEmpty() || l.startsWith("#")) {
        continue;
      }
      if (l.startsWith("export ")) {
        l = l.substring(7).strip();
      }
      int eq = l.indexOf('=');
      String name = eq < 0 ? "" : l.substring(0, eq).strip();
      if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
        throw new CredentialsException(file + " line " + (i + 1)
            + " is not NAME=value (# starts a comment)");
      }
      String value = l.substring(eq + 1).strip();
      if (value.length() >= 2 && (value.startsWith("\"") && value.endsWith("\"")
          || value.startsWith("'") && value.endsWith("'"))) {
        value = value.substring(1, value.length() - 1);
      }
      values.put(name, value);
    }
    return Map.copyOf(values);
  }
}
