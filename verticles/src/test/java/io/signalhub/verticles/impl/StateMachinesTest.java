package io.signalhub.verticles.impl;

import io.signalhub.verticles.HubOptions;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The transition tables of {@link Session.State} and {@link Connection.State} are exactly those their class
 * Javadoc lists, and {@link RateLimit} drops, says and closes as documented.
 */
class StateMachinesTest {

  private static final Map<Session.State, Set<Session.State>> SESSION = Map.of(
    Session.State.IDLE, EnumSet.of(Session.State.JOINING, Session.State.LEAVING),
    Session.State.JOINING, EnumSet.of(Session.State.JOINED, Session.State.IDLE, Session.State.SUSPENDED, Session.State.LEAVING),
    Session.State.ADOPTING, EnumSet.of(Session.State.SUSPENDED, Session.State.LEAVING),
    Session.State.JOINED, EnumSet.of(Session.State.IDLE, Session.State.SUSPENDED, Session.State.HANDED_OVER, Session.State.LEAVING),
    Session.State.SUSPENDED, EnumSet.of(Session.State.HANDED_OVER, Session.State.LEAVING),
    Session.State.HANDED_OVER, EnumSet.of(Session.State.ENDED),
    Session.State.LEAVING, EnumSet.of(Session.State.ENDED),
    Session.State.ENDED, EnumSet.noneOf(Session.State.class));

  private static final Map<Connection.State, Set<Connection.State>> CONNECTION = Map.of(
    Connection.State.AUTHENTICATING, EnumSet.of(Connection.State.DETECTING, Connection.State.OPEN,
      Connection.State.CLOSED, Connection.State.DROPPED),
    Connection.State.DETECTING, EnumSet.of(Connection.State.OPEN, Connection.State.CLOSED, Connection.State.DROPPED),
    Connection.State.OPEN, EnumSet.of(Connection.State.CLOSED, Connection.State.DROPPED),
    Connection.State.CLOSED, EnumSet.noneOf(Connection.State.class),
    Connection.State.DROPPED, EnumSet.noneOf(Connection.State.class));

  @Test
  void sessionTransitionsAreExactlyTheDocumentedOnes() {
    for (Session.State from : Session.State.values()) {
      for (Session.State to : Session.State.values()) {
        assertEquals(SESSION.get(from).contains(to), from.allows(to), from + " -> " + to);
      }
    }
  }

  @Test
  void sessionStatesThatMustNotMove() {
    assertFalse(Session.State.ENDED.allows(Session.State.LEAVING), "ended is final");
    assertFalse(Session.State.SUSPENDED.allows(Session.State.JOINED), "a suspended session resumes elsewhere");
    assertFalse(Session.State.IDLE.allows(Session.State.JOINED), "no join without JOINING");
    assertFalse(Session.State.HANDED_OVER.allows(Session.State.LEAVING), "a handed-over session never leaves the room");
    assertFalse(Session.State.ADOPTING.allows(Session.State.JOINED), "a parked session has no socket");
    assertFalse(Session.State.JOINED.allows(Session.State.JOINED));
  }

  @Test
  void sessionToThrowsOnAnIllegalMoveAndKeepsItsState() {
    Vertx vertx = Vertx.vertx();
    try {
      Session parked = Session.parked(vertx, new HubOptions(), "node-1", s -> { });
      assertEquals(Session.State.ADOPTING, parked.state());
      assertThrows(IllegalStateException.class, () -> parked.to(Session.State.JOINED));
      assertEquals(Session.State.ADOPTING, parked.state());
      parked.to(Session.State.LEAVING);
      parked.to(Session.State.ENDED);
      assertThrows(IllegalStateException.class, () -> parked.to(Session.State.LEAVING));
      assertEquals(Session.State.ENDED, parked.state());
    } finally {
      vertx.close();
    }
  }

  @Test
  void connectionTransitionsAreExactlyTheDocumentedOnes() {
    for (Connection.State from : Connection.State.values()) {
      for (Connection.State to : Connection.State.values()) {
        assertEquals(CONNECTION.get(from).contains(to), from.allows(to), from + " -> " + to);
      }
    }
    assertFalse(Connection.State.OPEN.allows(Connection.State.DETECTING), "the dialect is fixed for the connection");
    assertFalse(Connection.State.DROPPED.allows(Connection.State.CLOSED), "closed states are final");
    assertTrue(Connection.State.CLOSED.isClosed() && Connection.State.DROPPED.isClosed());
    assertFalse(Connection.State.OPEN.isClosed());
  }

  @Test
  void rateLimitPassesTheBurstThenSaysOnceThenClosesAfterABurstOfDrops() {
    long t = 1_000_000_000L;
    RateLimit limit = new RateLimit(10, 3, t);
    for (int i = 0; i < 3; i++) {
      assertEquals(RateLimit.Verdict.PASS, limit.take(t), "the burst passes at once");
    }
    assertEquals(RateLimit.Verdict.DROP_AND_SAY, limit.take(t));
    assertEquals(RateLimit.Verdict.DROP, limit.take(t));
    assertEquals(RateLimit.Verdict.CLOSE, limit.take(t), "as many drops in a row as the burst");
  }

  @Test
  void rateLimitRefillsPerSecondUpToTheBurstAndAPassEndsARunOfDrops() {
    long t = 0;
    RateLimit limit = new RateLimit(10, 2, t);
    assertEquals(RateLimit.Verdict.PASS, limit.take(t));
    assertEquals(RateLimit.Verdict.PASS, limit.take(t));
    assertEquals(RateLimit.Verdict.DROP_AND_SAY, limit.take(t));
    t += 100_000_000L; // 0.1 s at 10 per second: one token
    assertEquals(RateLimit.Verdict.PASS, limit.take(t));
    assertEquals(RateLimit.Verdict.DROP_AND_SAY, limit.take(t), "a new run of drops is said again");
    t += 60_000_000_000L; // a minute: the bucket holds the burst, no more
    assertEquals(RateLimit.Verdict.PASS, limit.take(t));
    assertEquals(RateLimit.Verdict.PASS, limit.take(t));
    assertEquals(RateLimit.Verdict.DROP_AND_SAY, limit.take(t));
  }
}
