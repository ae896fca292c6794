package dev.nemoclaw.inference;

import dev.nemoclaw.host.HostDirs;
import java.util.Map;
import java.util.Optional;

/**
 * Where route keys come from. The gateway asks at every request (so a rotated key is used at
 * once) and only ever by the name a route gives in {@code apiKeyEnv}. Implementations are
 * thread-safe; a value is never logged, put in an event or an error.
 */
public interface Credentials {
  /**
   * The value named {@code name}, or empty when there is none.
   *
   * @throws CredentialsException when a source exists but may not be used (the credentials file
   *     is readable by others); the message names the file and the fix, never a value.
   */
  Optional<String> lookup(String name);

  /** Where it looks, for error messages ("found in neither …"). */
  default String describe() {
    return "the configured credentials";
  }

  /**
   * The supervisor's environment first, then {@code <config>/credentials} ({@code NAME=value}
   * lines; owned by the user, mode 600; re-read when it changes).
   */
  static Credentials host(HostDirs dirs) {
    return new HostCredentials(System::getenv, dirs.config().resolve("credentials"));
  }

  /** Fixed values (tests, embedding). */
  static Credentials of(Map<String, String> values) {
    Map<String, String> copy = Map.copyOf(values);
    return new Credentials() {
      @Override
      public Optional<String> lookup(String name) {
        return Optional.ofNullable(copy.get(name));
      }
    };
  }
}
