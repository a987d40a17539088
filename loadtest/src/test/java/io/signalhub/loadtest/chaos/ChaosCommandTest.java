package io.signalhub.loadtest.chaos;

import io.signalhub.loadtest.LoadTestCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The chaos subcommand's options: durations, and the refusals (exit code 2) that come before any node is
 * started. A whole run needs the server's runnable jar and minutes: scripts/chaos does that (docs/reliability.md).
 */
class ChaosCommandTest {

  @Test
  void durationsAreReadInTheirUnits() {
    assertEquals(600_000, ChaosCommand.millis("10m"));
    assertEquals(45_000, ChaosCommand.millis("45s"));
    assertEquals(90_000, ChaosCommand.millis("1m30s"));
    assertEquals(90_000, ChaosCommand.millis("90"));
    assertEquals(500, ChaosCommand.millis("500ms"));
    assertEquals(7_200_000, ChaosCommand.millis("2h"));
    assertThrows(IllegalArgumentException.class, () -> ChaosCommand.millis("10 minutes"));
    assertThrows(IllegalArgumentException.class, () -> ChaosCommand.millis("m"));
    assertThrows(IllegalArgumentException.class, () -> ChaosCommand.millis(""));
  }

  @Test
  void badOptionsAreRefusedBeforeAnythingStarts(@TempDir Path dir) {
    Path jar = dir.resolve("no-such.jar");
    assertEquals(2, chaos("--nodes", "1", "--server-jar", jar.toString()));
    assertEquals(2, chaos("--duration", "soon", "--server-jar", jar.toString()));
    assertEquals(2, chaos("--faults", "flood", "--partitions", "off", "--server-jar", jar.toString()));
    assertEquals(2, chaos("--faults", "partition", "--partitions", "off", "--server-jar", jar.toString()));
    assertEquals(2, chaos("--partitions", "maybe", "--server-jar", jar.toString()));
    assertEquals(2, chaos("--partitions", "off", "--server-jar", jar.toString()), "no server jar");
  }

  @Test
  void theLoadTestItselfStillNeedsATarget() {
    ByteArrayOutputStream console = new ByteArrayOutputStream();
    int code = new CommandLine(new LoadTestCommand().console(new PrintStream(console, true, StandardCharsets.UTF_8)))
      .execute("--rooms", "1");
    assertEquals(2, code);
    String help = new CommandLine(new LoadTestCommand()).getUsageMessage();
    assertTrue(help.contains("chaos"), help);
  }

  private static int chaos(String... args) {
    String[] all = new String[args.length + 1];
    all[0] = "chaos";
    System.arraycopy(args, 0, all, 1, args.length);
    return new CommandLine(new LoadTestCommand()).execute(all);
  }
}
