package dev.nemoclaw.supervisor;

import dev.nemoclaw.privacy.PrivacyGuard;
import dev.nemoclaw.privacy.Verdict;
import dev.nemoclaw.spec.Privacy;
import dev.nemoclaw.spec.PrivacyScope;

/** The run's privacy guard, replaced whole when agent.yaml's privacy section changes. */
final class LivePrivacy implements PrivacyGuard {
  private volatile PrivacyGuard current;

  LivePrivacy(Privacy spec) {
    set(spec);
  }

  void set(Privacy spec) {
    current = PrivacyGuard.of(spec);
  }

  @Override
  public boolean covers(PrivacyScope scope) {
    return current.covers(scope);
  }

  @Override
  public Verdict check(PrivacyScope scope, String text) {
    return current.check(scope, text);
  }

  @Override
  public Verdict checkJson(PrivacyScope scope, String json) {
    return current.checkJson(scope, json);
  }
}
