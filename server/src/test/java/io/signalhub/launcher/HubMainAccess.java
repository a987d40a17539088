package io.signalhub.launcher;

import picocli.CommandLine;

/** Test access to the launcher's command line. */
public final class HubMainAccess {

  private HubMainAccess() {
  }

  public static CommandLine commandLine() {
    return HubMain.commandLine();
  }
}
