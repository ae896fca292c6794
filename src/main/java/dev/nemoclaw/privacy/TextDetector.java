package dev.nemoclaw.privacy;

import java.util.List;

/**
 * One detector's pass over a text. Each pass must take time linear in the text whatever it holds
 * (the text comes from the agent): every position starts at most a bounded amount of work, or a
 * scan that the pass then skips past. Findings may come in any order and may overlap; the
 * {@link Scanner} sorts them and keeps non-overlapping ones.
 */
sealed interface TextDetector
    permits CreditCards, UsSsns, Emails, Phones, Ibans, Secrets, CustomRegex {
  void find(Text text, List<Finding> out);
}
