package dev.nemoclaw.sandbox.seccomp;

/** Argument comparisons, numbered as libseccomp's {@code scmp_compare} (the plan's wire value). */
public enum CompareOp {
  NE(1),
  LT(2),
  LE(3),
  EQ(4),
  GE(5),
  GT(6),
  /** {@code (arg & value) == valueTwo}: value is the mask, valueTwo the datum. */
  MASKED_EQ(7);

  public final int code;

  CompareOp(int code) {
    this.code = code;
  }
}
