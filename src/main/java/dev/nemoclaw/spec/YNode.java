package dev.nemoclaw.spec;

import java.util.List;

/**
 * A YAML node that remembers where it starts (1-based line and column): the loader binds from
 * these by hand so that every error can point at its source.
 */
sealed interface YNode {
  int line();

  int column();

  /** What a user would call this kind of value, for "must be X, not Y" messages. */
  String kind();

  record Scalar(int line, int column, String text, boolean isNull) implements YNode {
    @Override
    public String kind() {
      return isNull ? "null" : "a scalar";
    }
  }

  record Seq(int line, int column, List<YNode> items) implements YNode {
    @Override
    public String kind() {
      return "a list";
    }
  }

  record Map(int line, int column, List<Entry> entries) implements YNode {
    @Override
    public String kind() {
      return "a mapping";
    }
  }

  /**
   * A node already reported as unusable (an anchor, a custom tag): binders skip it silently so
   * one mistake yields one error.
   */
  record Bad(int line, int column) implements YNode {
    @Override
    public String kind() {
      return "an invalid value";
    }
  }

  record Entry(Scalar key, YNode value) {}
}
