package io.signalhub.loadtest.chaos;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Histories built by hand: one that keeps every rule of the delivery contract (through a drop and resume, a
 * fresh session, a departure and a return), and one per broken rule, each of which the checker must name with
 * its pair and frame numbers.
 */
class HistoryTest {

  /** a and b in one room, both welcomed (b after a). */
  private static History twoPeers() {
    History h = new History();
    h.welcome("a", false, List.of());
    h.welcome("b", false, List.of("a"));
    h.toldJoined("a", "b");
    return h;
  }

  @Test
  void aHistoryThatKeepsTheContractHasNoViolation() {
    History h = twoPeers();
    // steady signaling both ways
    for (long n = 1; n <= 5; n++) {
      h.sent("a", "b", n);
      h.sent("b", "a", n);
      h.received("b", "a", n);
      h.received("a", "b", n);
    }
    // b's link drops; it resumes: a's frames meanwhile are replayed
    h.closed("b", 1006);
    h.sent("a", "b", 6);
    h.welcome("b", true, List.of("a"));
    h.received("b", "a", 6);
    // b leaves (a is told), a's frame 7 to b ends as an error, 8 was sent before a heard b left
    h.sent("a", "b", 7);
    h.sent("a", "b", 8);
    h.error("a", "b", "expired");
    h.toldLeft("a", "b", "node-failed");
    // b comes back with a fresh session: numbering goes on; a frame b had sent before its session ended is lost
    h.sent("b", "a", 6);
    h.closed("b", 1006);
    h.welcome("b", false, List.of("a"));
    h.toldJoined("a", "b");
    h.sent("a", "b", 9);
    h.received("b", "a", 9);
    h.sent("b", "a", 7);
    h.received("a", "b", 7);
    // a frame a sent before its own session ended needs no delivery
    h.sent("a", "b", 10);
    h.closed("a", 1006);
    h.sessionEnded("a");

    assertEquals(List.of(), h.check());
    assertEquals(List.of(), h.checkViews(Map.of("b", Set.of("a"))));
    assertEquals(Set.of("a"), h.views().get("b"));
    assertEquals(17, h.sentCount());
    assertEquals(13, h.receivedCount());
  }

  @Test
  void aFrameReceivedTwiceIsADuplicate() {
    History h = twoPeers();
    for (long n = 1; n <= 3; n++) {
      h.sent("a", "b", n);
      h.received("b", "a", n);
    }
    h.received("b", "a", 2);
    h.received("b", "a", 3);
    List<History.Violation> v = h.check();
    assertEquals(1, v.size(), v.toString());
    assertEquals("duplicate", v.get(0).rule());
    assertEquals("a", v.get(0).sender());
    assertEquals("b", v.get(0).recipient());
    assertTrue(v.get(0).detail().startsWith("n=2..3 (2)"), v.get(0).detail());
  }

  @Test
  void anOlderFrameAfterANewerOneIsAReorder() {
    History h = twoPeers();
    for (long n = 1; n <= 3; n++) {
      h.sent("a", "b", n);
    }
    h.received("b", "a", 1);
    h.received("b", "a", 3);
    h.received("b", "a", 2);
    List<History.Violation> v = h.check();
    assertEquals(1, v.size(), v.toString());
    assertEquals("reorder", v.get(0).rule());
    assertTrue(v.get(0).detail().startsWith("n=2 received after n=3"), v.get(0).detail());
  }

  @Test
  void aFrameFromAPeerTheRecipientWasToldHadLeftIsAGhost() {
    History h = twoPeers();
    h.sent("a", "b", 1);
    h.received("b", "a", 1);
    h.toldLeft("b", "a", "node-failed");
    h.sent("a", "b", 2);
    h.received("b", "a", 2);           // ghost
    h.toldJoined("b", "a");
    h.sent("a", "b", 3);
    h.received("b", "a", 3);           // fine again
    h.toldLeft("b", "a", "node-failed");
    h.welcome("b", true, List.of("a")); // a welcome that lists a also brings it back
    h.sent("a", "b", 4);
    h.received("b", "a", 4);
    List<History.Violation> v = h.check();
    assertEquals(1, v.size(), v.toString());
    assertEquals("ghost", v.get(0).rule());
    assertEquals("a", v.get(0).sender());
    assertTrue(v.get(0).detail().startsWith("n=2 "), v.get(0).detail());
  }

  @Test
  void aFrameNeitherDeliveredNorAccountedForIsLost() {
    History h = twoPeers();
    h.sent("a", "b", 1);
    h.sent("a", "b", 2);
    h.sent("a", "b", 3);
    h.sent("a", "b", 4);
    h.received("b", "a", 1);
    h.error("a", "b", "expired");   // accounts for 2 (oldest first), not for 3 and 4
    h.error("a", "c", "expired");   // about another recipient
    h.error("a", null, "rate-limited");
    List<History.Violation> v = h.check();
    assertEquals(1, v.size(), v.toString());
    assertEquals("lost", v.get(0).rule());
    assertEquals("a", v.get(0).sender());
    assertEquals("b", v.get(0).recipient());
    assertTrue(v.get(0).detail().startsWith("n=3..4 (2)"), v.get(0).detail());
  }

  @Test
  void anErrorOrAPeerLeftOrASessionEndBeforeTheSendAccountsForNothing() {
    History h = twoPeers();
    h.error("a", "b", "expired");
    h.toldLeft("a", "b", "node-failed");
    h.toldJoined("a", "b");
    h.closed("b", 1006);
    h.welcome("b", false, List.of("a")); // b's session ended at its close, before the send below
    h.sent("a", "b", 1);
    List<History.Violation> v = h.check();
    assertEquals(1, v.size(), v.toString());
    assertEquals("lost", v.get(0).rule());
    assertTrue(v.get(0).detail().startsWith("n=1 "), v.get(0).detail());
  }

  @Test
  void aPeerLeftOrSessionEndLongAfterTheSendAccountsForNothing() {
    long[] now = {0};
    History h = new History(() -> now[0], 60_000);
    h.welcome("a", false, List.of());
    h.welcome("b", false, List.of("a"));
    h.sent("a", "b", 1);               // lost, a peer-left 59 s later: accounted for
    now[0] += 59_000_000_000L;
    h.toldLeft("a", "b", "node-failed");
    h.toldJoined("a", "b");
    now[0] += 500_000_000L;
    h.sent("a", "b", 2);               // lost, the next notice and b's session end are 61 s later: not
    now[0] += 61_000_000_000L;
    h.toldLeft("a", "b", "node-failed");
    h.closed("b", 1006);
    h.sessionEnded("b");
    List<History.Violation> v = h.check();
    assertEquals(1, v.size(), v.toString());
    assertEquals("lost", v.get(0).rule());
    assertTrue(v.get(0).detail().startsWith("n=2 ") && v.get(0).detail().contains("at 59.500 s"), v.get(0).detail());
  }

  @Test
  void aResumedSessionDidNotEndSoItsFramesMustArrive() {
    History h = twoPeers();
    h.sent("a", "b", 1);
    h.closed("b", 1001);
    h.welcome("b", true, List.of("a"));
    List<History.Violation> v = h.check();
    assertEquals(1, v.size(), v.toString());
    assertEquals("lost", v.get(0).rule());
  }

  @Test
  void onceConvergedEveryFrameOfTheWindowMustArriveEvenWithAnError() {
    long[] now = {0};
    History h = new History(() -> now[0], 60_000);
    h.welcome("a", false, List.of());
    h.welcome("b", false, List.of("a"));
    h.toldJoined("a", "b");
    h.sent("a", "b", 1);                 // before the window: an error is enough
    h.error("a", "b", "expired");
    now[0] = 10;
    h.sent("a", "b", 2);                 // in the window: expired is not enough
    h.error("a", "b", "expired");
    h.sent("b", "a", 1);
    h.received("a", "b", 1);
    now[0] = 20;
    h.sent("a", "b", 3);                 // after the window
    h.received("b", "a", 3);
    assertEquals(List.of(), h.check());
    List<History.Violation> v = h.checkDelivered(5, 15);
    assertEquals(1, v.size(), v.toString());
    assertEquals("undelivered", v.get(0).rule());
    assertEquals("a", v.get(0).sender());
    assertTrue(v.get(0).detail().startsWith("n=2 "), v.get(0).detail());
  }

  @Test
  void aFrameNeverSentIsReported() {
    History h = twoPeers();
    h.received("b", "a", 1);
    List<History.Violation> v = h.check();
    assertEquals(1, v.size(), v.toString());
    assertEquals("unsent", v.get(0).rule());
  }

  @Test
  void aViewThatDiffersFromTheConnectedPeersHasNotConverged() {
    History h = twoPeers();
    h.welcome("c", false, List.of("a", "b"));
    h.toldJoined("a", "c");
    h.toldLeft("b", "a", "node-failed"); // b never hears a came back, and never hears of c
    List<History.Violation> v = h.checkViews(Map.of("a", Set.of("b", "c"), "b", Set.of("a", "c"), "c", Set.of("a", "b")));
    assertEquals(1, v.size(), v.toString());
    assertEquals("convergence", v.get(0).rule());
    assertEquals("b", v.get(0).sender());
    assertTrue(v.get(0).detail().contains("missing [a, c]"), v.get(0).detail());
  }
}
