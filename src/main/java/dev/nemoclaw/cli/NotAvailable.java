package dev.nemoclaw.cli;

/** What a command that a later issue implements says: honestly nothing, and exit 2. */
final class NotAvailable {
  static final int EXIT = 2;

  private NotAvailable() {}

  static int say(String command) {
    System.err.println("nemoclaw " + command + ": not available yet in this build.");
    return EXIT;
  }
}
