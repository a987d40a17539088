package io.signalhub.verticles.impl;

import io.signalhub.verticles.Addresses;
import io.signalhub.verticles.HubOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;

import java.util.function.Consumer;

/**
 * The way out of one {@link Session} (docs/protocol.md, "Delivery contract": "When a peer's link drops"; "Resume":
 * "Suspension"): when its socket closes ({@link #onSocketClosed}), a resumable session whose link dropped is
 * {@link #suspend}ed for {@code resumeGraceMs}, keeping its room seat, id and address; anything else, or a
 * suspension whose grace period ends, goes through {@link #teardown}, the one clean-up path (leave the room,
 * unregister the address, release the id), then {@link #end}.
 *
 * <p>Session transitions made here: {@code JOINING | JOINED | ADOPTING -> SUSPENDED}; any live state
 * {@code -> LEAVING -> ENDED}; {@code HANDED_OVER -> ENDED} ({@link #unregisterAndEnd}). Its own data: the grace
 * timer and when it ends. Confined to the session's context.
 */
final class Departure {

  private final Session session;
  private final Consumer<Session> onEnd;
  private final Promise<Void> ended = Promise.promise();
  /** When the grace period of a suspended session ends, {@link System#currentTimeMillis()}. */
  private long suspendedUntil;
  private long graceTimer = -1;

  Departure(Session session, Consumer<Session> onEnd) {
    this.session = session;
    this.onEnd = onEnd;
  }

  /** The socket closed (state {@code CLOSED} or {@code DROPPED}): suspend, or leave. */
  void onSocketClosed() {
    Session s = session;
    if (s.forwarding()) {
      // taken over by a new connection of this peer: nothing to clean up here. The room stays: what the client sent
      // before it saw the close is still routed in its name (see Connection.onText)
      return;
    }
    if (s.join != null) {
      return; // the join in flight tears down (or suspends) when it completes
    }
    if (s.conn.state() == Connection.State.DROPPED && s.room != null && s.resumable()) {
      suspend();
    } else {
      teardown();
    }
  }

  /**
   * The link dropped without a clean close: keep the room membership, the id and the address for
   * {@link HubOptions#getResumeGraceMs()}, keeping what arrives, so a reconnect with the resume token (on
   * any node) carries on with nothing lost and no {@code peer-left}; past the grace period, leave as usual.
   */
  void suspend() {
    Session s = session;
    Session.LOG.info("peer {} lost its link in room {} on node {}; resumable for {} ms", s.id, s.room, s.node,
      s.options.getResumeGraceMs());
    suspendFor(s.options.getResumeGraceMs());
  }

  /** Suspends for {@code graceMs} (a parked session: the rest of the stopping node's grace period). */
  void suspendFor(long graceMs) {
    Session s = session;
    s.to(Session.State.SUSPENDED);
    s.vertx.eventBus().send(Addresses.PRESENCE_SUSPEND, new JsonObject().put("peer", s.id).put("node", s.node)
      .put("epoch", s.epoch), Session.LOCAL);
    suspendedUntil = System.currentTimeMillis() + graceMs;
    graceTimer = s.vertx.setTimer(Math.max(1, graceMs), t -> {
      if (s.state() == Session.State.SUSPENDED) {
        teardown();
      }
    });
  }

  /** What is left of the grace period of a suspended session, in ms. */
  long graceLeftMs() {
    return Math.max(0, suspendedUntil - System.currentTimeMillis());
  }

  /** The session no longer waits for a resume (handed over, or leaving): its grace timer is cancelled. */
  void cancelGrace() {
    session.vertx.cancelTimer(graceTimer);
  }

  /** A suspended (or parked) session leaves its room now (its grace timer is cancelled). */
  void leaveSuspended() {
    cancelGrace();
    teardown();
  }

  /** The one clean-up path: leave the room, unregister {@code peer.<id>}, release the id. */
  void teardown() {
    Session s = session;
    if (s.state() == Session.State.LEAVING || s.state() == Session.State.ENDED) {
      return;
    }
    s.to(Session.State.LEAVING);
    EventBus eb = s.vertx.eventBus();
    String peerId = s.id;
    String left = s.room;
    s.room = null;
    s.forgetRoster();
    Future<?> leaving = left == null ? Future.succeededFuture()
      : eb.request(Addresses.ROOM_LEAVE, new JsonObject().put("room", left).put("peer", peerId).put("epoch", s.epoch)
        .put("reason", s.leaveReason), s.request);
    leaving
      .eventually(() -> s.consumer == null ? Future.succeededFuture() : s.consumer.unregister())
      .onComplete(ar -> {
        if (peerId != null) {
          eb.send(Addresses.PRESENCE_DISCONNECT, new JsonObject().put("peer", peerId).put("node", s.node).put("epoch", s.epoch), Session.LOCAL);
          Session.LOG.info("peer {} disconnected ({}) from room {} on node {}", peerId, s.leaveReason, left, s.node);
        }
        end();
      });
  }

  /** Unregisters the address (if any) and ends: a handed-over session once it no longer forwards. */
  void unregisterAndEnd() {
    session.forgetRoster();
    if (session.consumer != null) {
      session.consumer.unregister();
    }
    end();
  }

  /** The session has ended: {@code onEnd} is called once. */
  private void end() {
    session.replay.release();
    if (session.state() != Session.State.ENDED) {
      session.to(Session.State.ENDED);
    }
    if (ended.tryComplete()) {
      onEnd.accept(session);
    }
  }

  /** Completes when the session has ended. */
  Future<Void> ended() {
    return ended.future();
  }
}
