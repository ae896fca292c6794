package dev.nemoclaw.cli;

/** {@code -o text|json}: json output is stable and documented. */
enum OutputFormat {
  text,
  json
}
