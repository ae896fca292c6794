package dev.nemoclaw.cli;

import picocli.CommandLine;

final class VersionProvider implements CommandLine.IVersionProvider {
  @Override
  public String[] getVersion() {
    String v = Main.class.getPackage().getImplementationVersion();
    return new String[] {
      "nemoclaw " + (v == null ? "dev" : v),
      "java " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")"
    };
  }
}
