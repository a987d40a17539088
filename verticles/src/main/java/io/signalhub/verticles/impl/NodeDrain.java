package io.signalhub.verticles.impl;

import io.signalhub.protocol.CloseCodes;
import io.signalhub.verticles.Addresses;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;

/**
 * What a {@link Session} does when a node stops gracefully (docs/protocol.md, "Delivery contract": "When a node is
 * stopped"; "Resume": "A node stopped gracefully"). On the stopping node, {@link #shutdown} asks another node to
 * adopt each resumable peer ({@link #migrate}, {@link Addresses#PEER_ADOPT}) and closes a live socket with 1001 only
 * then; the others leave their rooms at once ({@code node-stopped}). On the adopting node, a parked session (no
 * socket, state {@code ADOPTING}) {@link #adopt}s the peer: it takes over the id claim, the frames and the room
 * seat, and stays {@code SUSPENDED} for the rest of the grace period.
 *
 * <p>Session transitions made here: {@code ADOPTING -> SUSPENDED | LEAVING}; {@code JOINED | SUSPENDED ->
 * HANDED_OVER} (by the adopter's handover, then {@code ENDED} after {@link #DRAIN_MS}); any other {@code -> LEAVING}.
 * Stateless: static methods on the session's context.
 */
final class NodeDrain {

  /** How long a stopping node's connection forwards to the node that adopted it, in ms: time for the routers' fences. */
  static final long DRAIN_MS = 500;

  private NodeDrain() {
  }

  /** The node is stopping (on the session's context): migrate a resumable peer, else leave at once. */
  static void shutdown(Session session) {
    if (session.forwarding()) {
      session.departure.unregisterAndEnd();
    } else if ((session.state() == Session.State.JOINED || session.state() == Session.State.SUSPENDED)
      && session.resumable()) {
      migrate(session);
    } else {
      leaveAsTheNodeStops(session);
    }
  }

  /**
   * Adopts the peer described by a {@link Addresses#PEER_ADOPT} request: takes over its id claim (with the
   * stored hash of its resume token, which goes on working) and its frames from the stopping node's
   * connection, moves its room seat here (a resume: the room is told nothing), and stays suspended for the
   * rest of its grace period. Fails, and cleans up, when the peer is no longer where the request said.
   */
  static Future<Void> adopt(Session session, JsonObject request) {
    String peerId = request.getString("peer");
    String roomName = request.getString("room");
    session.leaveReason = request.getString("reason", "disconnected");
    JoinFlow flow = new JoinFlow(session, roomName, peerId, request.getString("tokenHash"));
    return flow.claim()
      .compose(v -> session.resumedFrom() == null ? Future.failedFuture("peer " + peerId + " is no longer connected")
        : session.vertx.eventBus().<JsonObject>request(Addresses.ROOM_JOIN, new JsonObject().put("room", roomName)
          .put("peer", peerId).put("node", session.node).put("epoch", session.epoch)
          .put("resumeFrom", session.resumedFrom()), session.request))
      .<Void>map(reply -> {
        if (session.state() != Session.State.ADOPTING) {
          return null; // left meanwhile (replaced, or this node stops too)
        }
        session.room = roomName;
        session.handover().startFenceWait();
        session.departure.suspendFor(request.getLong("graceMs", session.options.getResumeGraceMs()));
        Session.LOG.info("peer {} of room {} adopted by node {} from a stopping node; resumable", peerId, roomName, session.node);
        return null;
      })
      .onFailure(t -> session.departure.teardown());
  }

  /**
   * The node is stopping: another node adopts this peer ({@link #adopt}), and a live socket is closed with 1001
   * only then, so its client resumes there (or on any node) within its grace period. Without another node,
   * or when the adoption fails, the peer leaves its room at once ({@code node-stopped}).
   */
  private static void migrate(Session session) {
    boolean suspended = session.state() == Session.State.SUSPENDED;
    long graceMs = suspended ? session.departure.graceLeftMs() : session.options.getResumeGraceMs();
    JsonObject adopt = new JsonObject().put("peer", session.id).put("room", session.room).put("node", session.node)
      .put("tokenHash", session.tokenHash).put("graceMs", graceMs)
      .put("reason", suspended ? session.leaveReason : "node-stopped"); // the peer-left reason should it not come back
    session.vertx.eventBus().<JsonObject>request(Addresses.PEER_ADOPT, adopt,
        new DeliveryOptions().setSendTimeout(session.options.getRequestTimeoutMs()))
      .onComplete(ar -> {
        if (ar.failed()) {
          Session.LOG.info("peer {}: no other node adopted it ({}); leaving", session.id, ar.cause().getMessage());
        }
        if (session.forwarding()) { // handed over to the adopter, which asked for it before replying
          session.closeWith(CloseCodes.GOING_AWAY, "node stopping", "node-stopped");
          session.vertx.setTimer(DRAIN_MS, t -> session.departure.unregisterAndEnd());
        } else {
          leaveAsTheNodeStops(session);
        }
      });
  }

  /** Leaves the room at once ({@code node-stopped}): a suspended session tears down, a live one is closed with 1001. */
  private static void leaveAsTheNodeStops(Session session) {
    Session.State state = session.state();
    if (state == Session.State.SUSPENDED || state == Session.State.ADOPTING) {
      session.leaveReason = "node-stopped";
      session.departure.leaveSuspended();
    } else {
      session.closeWith(CloseCodes.GOING_AWAY, "node stopping", "node-stopped");
    }
  }
}
