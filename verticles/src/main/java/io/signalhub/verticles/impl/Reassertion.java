package io.signalhub.verticles.impl;

import io.signalhub.protocol.CloseCodes;
import io.signalhub.protocol.ErrorCode;
import io.signalhub.protocol.Frames;
import io.signalhub.verticles.Addresses;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;

/**
 * What one {@link Session} does after a change in the cluster (docs/protocol.md, "Partitions, stalls and merges"):
 * presence has re-asserted its peer id claim and asks it to re-assert its room seat ({@link Addresses#OP_REASSERT}),
 * or tells it another connection holds the id ({@link Addresses#OP_ID_LOST}); and what it does with a relayed frame
 * from a peer its client was told had left ({@link #undelivered}). Confined to the session's context.
 */
final class Reassertion {

  /** Attempts to tell a sender {@code expired} ({@link #undelivered}), {@link #NOTICE_TIMEOUT_MS} each. */
  static final int NOTICE_ATTEMPTS = 6;
  /** How long one attempt waits for the sender's node to take the notice, in ms. */
  static final long NOTICE_TIMEOUT_MS = 2_000;

  private Reassertion() {
  }

  /** An operation from presence, with the message's body. */
  static void onOp(Session s, String op, String body) {
    if (Addresses.OP_REASSERT.equals(op)) {
      reseat(s, Addresses.REASSERT_LAST_PASS.equals(body));
    } else if (Addresses.OP_ID_LOST.equals(op)) {
      idLost(s);
    }
  }

  /**
   * Puts the session's seat back in its room ({@link Addresses#ROOM_JOIN} with {@code reassert}), then tells its
   * client the differences between what it was told and the room as stored ({@link Roster#reconcile}; peers gone
   * from the room only in the {@code lastPass}).
   */
  private static void reseat(Session s, boolean lastPass) {
    String room = s.room;
    Session.State state = s.state();
    if (room == null || s.join != null || (state != Session.State.JOINED && state != Session.State.SUSPENDED)) {
      return; // in no room, or a join in flight (its welcome will tell the room as it is)
    }
    s.vertx.eventBus().<JsonObject>request(Addresses.ROOM_JOIN, new JsonObject().put("room", room).put("peer", s.id)
        .put("node", s.node).put("epoch", s.epoch).put("reassert", true).put("floor", s.roomVersion), s.request)
      .onComplete(ar -> {
        if (ar.failed()) {
          Session.LOG.warn("peer {}: re-asserting its seat in room {} failed: {}", s.id, room, ar.cause().toString());
          return;
        }
        if (!room.equals(s.room)) {
          return; // it left meanwhile
        }
        RoomState stored = RoomState.fromJson(ar.result().body());
        for (Roster.Notice notice : s.roster.reconcile(room, stored, s.id, s.node, lastPass)) {
          s.inbox.announce(notice.frame(), notice.joined());
        }
        if (!stored.gen().equals(s.roomGen) || stored.version() > s.roomVersion) {
          s.roomGen = stored.gen();
          s.roomVersion = stored.version();
        }
      });
  }

  /** Another connection holds this peer id after a merge: close with 4101, cleaning up only what is still ours. */
  private static void idLost(Session s) {
    Session.LOG.info("peer {}: another connection holds its id after a cluster merge; closing with {}", s.id,
      CloseCodes.SESSION_TAKEN_OVER);
    if (s.isOpen()) {
      s.closeWith(CloseCodes.SESSION_TAKEN_OVER, "peer id held by another connection after a cluster merge", "disconnected");
    } else if (s.keeping()) {
      s.departure.leaveSuspended();
    }
  }

  /**
   * A relayed frame from {@code from}, whom the client was told had left, is not written: its sender is told
   * {@code expired} (naming this peer in {@code data.to}) through the relay of the sender's node, read from the
   * router id in {@link Addresses#HEADER_VIA} ({@code <node id>/<random>}). That node's relay acknowledges the
   * notice; until it does, it is sent again ({@link #NOTICE_ATTEMPTS} times, 250 ms more apart each time): right
   * after a merge, the event-bus connection between two nodes may fail once, and what was sent on it is lost
   * without a word. When that node cannot be reached at all, the sender has been, or will be, told that this peer
   * left: docs/protocol.md.
   */
  static void undelivered(Session s, Message<String> msg, String from) {
    s.metrics.error(ErrorCode.EXPIRED.code());
    String via = msg.headers().get(Addresses.HEADER_VIA);
    int slash = via == null ? -1 : via.lastIndexOf('/');
    if (slash <= 0) {
      return;
    }
    String room = msg.headers().get(Addresses.HEADER_ROOM);
    String error = Frames.error(ErrorCode.EXPIRED, "message for '" + s.id + "' dropped: it was told you left room '"
      + room + "' (the cluster lost contact with your node) and not that you are back", Frames.routedType(msg.body()), s.id);
    tellSender(s, Addresses.node(via.substring(0, slash)), error, new DeliveryOptions().setSendTimeout(NOTICE_TIMEOUT_MS)
      .addHeader(Addresses.HEADER_OP, Addresses.OP_UNDELIVERED).addHeader(Addresses.HEADER_PEER, from)
      .addHeader(Addresses.HEADER_ROOM, room), 1);
  }

  private static void tellSender(Session s, String relay, String error, DeliveryOptions opts, int attempt) {
    s.vertx.eventBus().request(relay, error, opts).onFailure(t -> {
      if (attempt < NOTICE_ATTEMPTS) {
        s.vertx.setTimer(250L * attempt, x -> tellSender(s, relay, error, opts, attempt + 1));
      } else {
        Session.LOG.info("peer {}: could not tell a sender its frame expired ({}): its node is gone", s.id, t.getMessage());
      }
    });
  }
}
