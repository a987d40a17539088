package io.signalhub.verticles.impl;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The rules the hub applies after a partition, a stall or a merge (docs/protocol.md, "Partitions, stalls and
 * merges"): what a client is told ({@link Roster}), which claim keeps a peer id that was held on both sides
 * ({@link PeerDirectory#reassertRule}), and how a re-asserted seat is stored ({@link RoomStore#reassertRule}).
 */
class MergeRulesTest {

  private static RoomState room(String gen, long version, String... peers) {
    LinkedHashMap<String, String> members = new LinkedHashMap<>();
    for (String p : peers) {
      members.put(p, "node-" + p + "/e");
    }
    return new RoomState("r", gen, version, members);
  }

  private static String kindAndId(Roster.Notice notice) {
    JsonObject json = new JsonObject(notice.frame());
    return json.getString("type") + " " + json.getJsonObject("data").getString("id");
  }

  private static void assertSkip(Roster.Verdict verdict, String... why) {
    assertEquals(Roster.Verdict.SKIP, verdict, why.length > 0 ? why[0] : null);
  }

  private static void assertWrite(Roster.Verdict verdict, String... why) {
    assertEquals(Roster.Verdict.WRITE, verdict, why.length > 0 ? why[0] : null);
  }

  @Test
  void aPeerThatRejoinedAfreshBeforeItsLeaveWasHeardIsToldLeftThenJoined() {
    Roster roster = new Roster();
    roster.reset(room("g", 3, "me", "a"), "me"); // a at node-a/e; its node crashes, it rejoins on node-b at once
    assertEquals(Roster.Verdict.REPLACE, roster.onNotice('+', "a", "node-b/e7", "g", 4));
    assertSkip(roster.onNotice('-', "a", null, "g", 3), "the late eviction of its first connection is older");
  }

  @Test
  void theClientIsToldEachChangeOnceAndNothingStale() {
    Roster roster = new Roster();
    roster.reset(room("g", 3, "me", "a"), "me");
    assertSkip(roster.onNotice('+', "a", "node-a/e", "g", 2), "an older notice about a peer the welcome listed");
    assertSkip(roster.onNotice('+', "a", "node-a/e", "g", 4), "a second peer-joined for a peer the client knows is there");
    assertWrite(roster.onNotice('-', "a", null, "g", 5));
    assertTrue(roster.isDeparted("a"));
    assertSkip(roster.onNotice('-', "a", null, "g", 6), "a second peer-left");
    assertSkip(roster.onNotice('+', "a", "node-a/e", "g", 4), "a peer-joined older than the peer-left already written");
    assertTrue(roster.isDeparted("a"), "frames from a stay screened until it is told back");
    assertWrite(roster.onNotice('+', "a", "node-a/e", "g", 7));
    assertFalse(roster.isDeparted("a"));
    assertFalse(roster.anyDeparted());
    assertWrite(roster.onNotice('+', "b", "node-b/e", "g", 8));
  }

  @Test
  void anotherIncarnationOfTheRoomStartsVersionsOver() {
    Roster roster = new Roster();
    roster.reset(room("g1", 9, "me", "a"), "me");
    assertWrite(roster.onNotice('-', "a", null, "g1", 10));
    assertWrite(roster.onNotice('+', "a", "node-a/e", "g2", 1), "the room was created again: version 1 is newer");
  }

  @Test
  void reconcilingTellsTheDifferencesAndKeepsNewerNews() {
    Roster roster = new Roster();
    roster.reset(room("g", 4, "me", "a", "b"), "me");
    assertWrite(roster.onNotice('-', "a", null, "g", 5)); // the other side of a partition: told a and b left
    assertWrite(roster.onNotice('-', "b", null, "g", 6));
    assertWrite(roster.onNotice('+', "c", "node-c/e", "g", 9)); // c joined after what the stored state below says
    // the merged room (version 8): a is back, b is not, c is not yet in it as far as this state says
    List<Roster.Notice> notices = roster.reconcile("r", room("g", 8, "me", "a"), "me", "this-node", true);
    assertEquals(List.of("peer-joined a"), notices.stream().map(MergeRulesTest::kindAndId).toList());
    assertFalse(roster.isDeparted("a"));
    assertTrue(roster.isDeparted("b"));
    assertSkip(roster.onNotice('+', "c", "node-c/e", "g", 9), "c was kept: its notice is newer than the state");
    assertEquals(List.of(), roster.reconcile("r", room("g", 8, "me", "a"), "me", "this-node", true), "nothing when they agree");
    List<Roster.Notice> gone = roster.reconcile("r", room("g", 12, "me", "c"), "me", "this-node", true);
    assertEquals(List.of("peer-left a"), gone.stream().map(MergeRulesTest::kindAndId).toList());
    assertEquals(Roster.GONE, new JsonObject(gone.get(0).frame()).getJsonObject("data").getString("reason"));
  }

  @Test
  void onlyTheLastPassTellsOfPeersGoneAndNeverOfAPeerOnThisNode() {
    Roster roster = new Roster();
    roster.reset(new RoomState("r", "g", 3, members("me", "this-node/1", "a", "node-a/e", "b", "this-node/2")), "me");
    RoomState withoutEither = new RoomState("r", "g", 4, members("me", "this-node/1"));
    assertEquals(List.of(), roster.reconcile("r", withoutEither, "me", "this-node", false),
      "a first pass: the other nodes of this side may not have put their peers back yet");
    List<Roster.Notice> last = roster.reconcile("r", withoutEither, "me", "this-node", true);
    assertEquals(List.of("peer-left a"), last.stream().map(MergeRulesTest::kindAndId).toList(),
      "b is on this node: alive, it puts its own seat back");
  }

  @Test
  void aPeerWhoseIdAnotherConnectionNowHoldsIsToldLeftThenJoined() {
    Roster roster = new Roster();
    roster.reset(room("g", 3, "me", "a"), "me"); // a is node-a/e
    assertSkip(roster.onNotice('~', "a", "node-a/e2", "g", 4), "a resume: nothing to write");
    assertEquals(List.of(), roster.reconcile("r", new RoomState("r", "g", 5, members("me", "n/me", "a", "node-a/e2")), "me", "this-node", true));
    List<Roster.Notice> notices = roster.reconcile("r", new RoomState("r", "g", 6, members("me", "n/me", "a", "node-x/e9")), "me", "this-node", true);
    assertEquals(List.of("peer-left a", "peer-joined a"), notices.stream().map(MergeRulesTest::kindAndId).toList());
    assertEquals(Roster.REPLACED, new JsonObject(notices.get(0).frame()).getJsonObject("data").getString("reason"));
  }

  private static LinkedHashMap<String, String> members(String... peerThenSession) {
    LinkedHashMap<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < peerThenSession.length; i += 2) {
      m.put(peerThenSession[i], peerThenSession[i + 1]);
    }
    return m;
  }

  @Test
  void theClaimTheMergedClusterKeptWinsUnlessItIsSuspendedOrGone() {
    String ours = PeerDirectory.value("n1/e1", "h1");
    String theirs = PeerDirectory.value("n2/e2", "h2");
    assertTrue(PeerDirectory.reassertRule(null, ours, true), "a free id");
    assertTrue(PeerDirectory.reassertRule(ours, ours, true), "still ours");
    assertTrue(PeerDirectory.reassertRule(PeerDirectory.suspended(ours), ours, true), "ours, marked suspended");
    assertFalse(PeerDirectory.reassertRule(theirs, ours, true), "another live connection holds it: it wins");
    assertTrue(PeerDirectory.reassertRule(theirs, ours, false), "its node is gone");
    assertTrue(PeerDirectory.reassertRule(PeerDirectory.suspended(theirs), ours, true), "a live connection beats a suspended one");
    assertFalse(PeerDirectory.reassertRule(PeerDirectory.suspended(theirs), PeerDirectory.suspended(ours), true));
  }

  @Test
  void aReassertedSeatIsPutBackAboveWhatItsClientWasTold() {
    RoomStore.Joined absent = RoomStore.reassertRule(null, "r", "g0", "me", "n1/e1", 7);
    assertTrue(absent.added());
    assertEquals(8, absent.state().version());
    assertEquals("g0", absent.state().gen());
    assertEquals(Map.of("me", "n1/e1"), absent.state().members());

    RoomStore.Joined missing = RoomStore.reassertRule(room("g", 3, "a"), "r", "x", "me", "n1/e1", 10);
    assertTrue(missing.added());
    assertEquals(List.of("a", "me"), List.copyOf(missing.state().members().keySet()));
    assertEquals(11, missing.state().version());

    RoomState held = room("g", 20, "a").with("me", "n2/e2");
    RoomStore.Joined taken = RoomStore.reassertRule(held, "r", "x", "me", "n1/e1", 10);
    assertTrue(taken.added());
    assertEquals("n2/e2", taken.previous());
    assertEquals("n1/e1", taken.state().members().get("me"));
    assertEquals(22, taken.state().version());

    RoomState seated = room("g", 20, "a").with("me", "n1/e1");
    RoomStore.Joined same = RoomStore.reassertRule(seated, "r", "x", "me", "n1/e1", 10);
    assertFalse(same.added());
    assertNull(same.previous());
    assertEquals(seated, same.state(), "nothing to write");
  }
}
