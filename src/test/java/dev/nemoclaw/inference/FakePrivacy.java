package dev.nemoclaw.inference;

import dev.nemoclaw.privacy.Finding;
import dev.nemoclaw.privacy.PrivacyGuard;
import dev.nemoclaw.privacy.Verdict;
import dev.nemoclaw.spec.PrivacyAction;
import dev.nemoclaw.spec.PrivacyScope;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A stand-in for the privacy package: one detector, credit-card, that knows one number (written
 * with dashes, so the fake model's word-by-word streams carry it in one event).
 */
record FakePrivacy(Set<PrivacyScope> scopes, PrivacyAction action) implements PrivacyGuard {
  static final String CARD = "4111-1111-1111-1111";
  static final String MASK = "[credit-card]";

  @Override
  public boolean covers(PrivacyScope scope) {
    return scopes.contains(scope);
  }

  @Override
  public Verdict check(PrivacyScope scope, String text) {
    List<Finding> found = new ArrayList<>();
    for (int i = text.indexOf(CARD); i >= 0; i = text.indexOf(CARD, i + 1)) {
      found.add(new Finding("credit-card", i, i + CARD.length()));
    }
    if (found.isEmpty() || !covers(scope)) {
      return new Verdict.Clean();
    }
    return switch (action) {
      case AUDIT -> new Verdict.Audited(found);
      case MASK -> new Verdict.Masked(text.replace(CARD, MASK), found);
      case BLOCK -> new Verdict.Blocked(found);
    };
  }

  @Override
  public Verdict checkJson(PrivacyScope scope, String json) {
    return check(scope, json);
  }
}
