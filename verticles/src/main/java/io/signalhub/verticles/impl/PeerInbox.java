package io.signalhub.verticles.impl;

import io.signalhub.protocol.Dialect;
import io.signalhub.protocol.Frames;
import io.signalhub.verticles.Addresses;
import io.vertx.core.eventbus.Message;

/**
 * The frame-out path of one {@link Session}: what arrives at its address {@code peer.<id>.<epoch>} (from routers,
 * presence, or another session of the same peer) until it is written to the client (docs/protocol.md, "Delivery
 * contract", "Resume"). {@link #onPeerMessage} (the address's consumer) passes the ops
 * {@link Addresses#OP_REPLACE} and {@link Addresses#OP_HANDOVER} to {@link Handover#answer} and lets the
 * {@link Handover} forward, take fences, or hold behind them; {@link #accept} keeps what a suspended session gets
 * in its {@link ReplayLog}, answers {@link Addresses#OP_PING}, checks the room, and hands a frame of the room being
 * joined to its {@link JoinFlow}; {@link #write} notes the room state it announces; {@link #deliver} renders the
 * canonical frame in the connection's dialect, numbers it ({@link ReplayLog#remember}) and
 * {@link Connection#write}s it. {@link #onPong} takes the acknowledgements.
 *
 * <p>No states of its own: it reads its session's ({@link Session#keeping}, the room, the join in flight) and its
 * connection's. The hot path: one call chain per frame, no allocation but the rendered text. Confined to the
 * session's context.
 */
final class PeerInbox {

  private final Session session;

  PeerInbox(Session session) {
    this.session = session;
  }

  /** Frame out: what arrives at {@code peer.<id>.<epoch>}, from routers, presence, or a session of this peer. */
  void onPeerMessage(Message<String> msg) {
    String op = msg.headers().get(Addresses.HEADER_OP);
    if (Addresses.OP_REPLACE.equals(op) || Addresses.OP_HANDOVER.equals(op)) {
      Handover.answer(session, msg, op); // another connection of this peer replaces or takes over this session
      return;
    }
    String via = msg.headers().get(Addresses.HEADER_VIA);
    if (session.handoverIfAny() != null || Addresses.OP_FENCE.equals(op)) {
      if (session.handover().screen(msg, op, via)) {
        return; // forwarded to the session that took this one over, a fence, or held behind a fence
      }
    } else if (op == null && via != null) {
      session.vias.note(via); // (no move yet: what Handover.screen notes, without a Handover per session)
    }
    accept(msg, op);
  }

  /** A frame past the handover's screen: kept while suspended, written in the room, or held while joining it. */
  private void accept(Message<String> msg, String op) {
    Session s = session;
    if (op != null && !Addresses.OP_PING.equals(op)) {
      if (Addresses.OP_REMOVE.equals(op)) { // the operator, through the admin API
        msg.reply(null);
        s.remove();
      } else {
        Reassertion.onOp(s, op, msg.body()); // after a change in the cluster
      }
      return;
    }
    String notice = op == null ? msg.headers().get(Addresses.HEADER_NOTICE) : null;
    if (op == null && s.room != null && !screen(msg, notice)) {
      return;
    }
    if (op == null && msg.body() == null) {
      return; // a note for the roster only (a resume elsewhere), and this session is in no room (yet)
    }
    acceptScreened(msg, op);
    if (notice != null && notice.charAt(0) == '+' && s.departedHold != null) {
      releaseHeld(Roster.noticePeer(notice));
    }
  }

  /** The client was just told {@code peer} is back: the frames that waited for that, in order. */
  private void releaseHeld(String peer) {
    for (Message<String> held : session.departedHold.release(peer)) {
      acceptScreened(held, null);
    }
  }

  private void acceptScreened(Message<String> msg, String op) {
    Session s = session;
    if (op == null && s.staleRoute(msg)) {
      return;
    }
    if (s.keeping()) {
      if (op == null && msg.body() != null && !s.replay.keep(msg.body())) {
        Session.LOG.info("peer {}: more kept for its resume than the hold bounds allow; leaving", s.id);
        s.departure.leaveSuspended();
      }
      return;
    }
    JoinFlow join = s.join;
    if (!s.isOpen() && (join == null || op != null)) {
      return; // (a join in flight when the link dropped may still end suspended: its frames wait in the join)
    }
    if (Addresses.OP_PING.equals(op)) {
      s.conn.heartbeat(s.replay.seq());
      return;
    }
    String frameRoom = msg.headers().get(Addresses.HEADER_ROOM);
    if (frameRoom != null && frameRoom.equals(s.room)) {
      write(msg);
    } else if (frameRoom != null && join != null && frameRoom.equals(join.room)) {
      join.hold(msg);
    }
    // else: the frame belongs to a room this peer is no longer in; dropped
  }

  /**
   * The {@link Roster}'s screen, for a frame of this peer's room or another: applies its {@code notice} ({@link
   * Addresses#HEADER_NOTICE}, or {@code null}) and says whether the client is to get it; holds back a relayed frame from a peer the
   * client was told had left (docs/protocol.md, "Partitions, stalls and merges": no ghosts) in {@link
   * HeldFromDeparted}, until the client is told that peer is back.
   */
  private boolean screen(Message<String> msg, String notice) {
    Session s = session;
    if (notice != null) {
      String roomState = msg.headers().get(Addresses.HEADER_ROOM_STATE);
      if (roomState == null || !s.room.equals(msg.headers().get(Addresses.HEADER_ROOM))) {
        return true; // not about this peer's room: the room check drops it
      }
      int colon = roomState.lastIndexOf(':');
      String peer = Roster.noticePeer(notice);
      Roster.Verdict verdict = s.roster.onNotice(notice.charAt(0), peer, Roster.noticeSession(notice),
        roomState.substring(0, colon), Long.parseLong(roomState.substring(colon + 1)));
      if (verdict == Roster.Verdict.REPLACE) {
        announce(Frames.peerLeft(s.room, peer, Roster.REPLACED), null); // then the peer-joined itself
      }
      return verdict != Roster.Verdict.SKIP;
    }
    if (msg.body() == null || !s.roster.anyDeparted()) {
      return true;
    }
    String from = Frames.routedFrom(msg.body());
    if (from == null || !s.roster.isDeparted(from)) {
      return true;
    }
    if (s.departedHold == null) {
      s.departedHold = new HeldFromDeparted(s);
    }
    s.departedHold.hold(msg, from); // until the client is told the sender is back
    return false;
  }

  /**
   * Writes a notice the session made itself ({@link Reassertion}): kept while suspended, else written; after a
   * {@code peer-joined} of {@code peer}, the frames from it that waited for that notice.
   */
  void announce(String canonical, String joinedPeer) {
    if (session.keeping()) {
      session.replay.keep(canonical);
    } else if (session.isOpen()) {
      deliver(canonical);
    }
    if (joinedPeer != null && session.departedHold != null) {
      releaseHeld(joinedPeer);
    }
  }

  /** Writes a frame of this peer's room, noting the room state it announces, if any. */
  void write(Message<String> msg) {
    Session s = session;
    String sentAt = msg.headers().get(Addresses.HEADER_SENT_AT);
    if (sentAt != null) {
      s.metrics.latencyFrom(Long.parseLong(sentAt));
    }
    String roomState = msg.headers().get(Addresses.HEADER_ROOM_STATE);
    if (roomState != null) {
      int colon = roomState.lastIndexOf(':');
      String gen = roomState.substring(0, colon);
      long version = Long.parseLong(roomState.substring(colon + 1));
      if (!gen.equals(s.roomGen) || version > s.roomVersion) {
        s.roomGen = gen;
        s.roomVersion = version;
      }
    }
    deliver(msg.body());
  }

  /**
   * Writes one canonical frame in this peer's dialect; where the dialect numbers frames (and resume is on),
   * with the next {@code seq}, kept in the {@link ReplayLog} until a pong acknowledges it.
   */
  void deliver(String canonical) {
    Session s = session;
    Connection conn = s.conn;
    Dialect dialect = conn.dialect();
    String rendered;
    try {
      rendered = dialect.render(canonical, s.id);
    } catch (RuntimeException unrenderable) {
      Session.LOG.warn("peer {}: a frame could not be rendered for its dialect and was dropped: {}", s.id, unrenderable.toString());
      return;
    }
    if (rendered != null && s.options.getResumeGraceMs() > 0 && dialect.numbersFrames()) {
      long seq = s.replay.remember(canonical);
      conn.write(dialect.withSeq(rendered, seq));
      if (conn.isOpen() && s.replay.needsAckPing()) {
        conn.ping(seq); // its pong lets the frames up to seq go
      }
      return;
    }
    conn.write(rendered);
  }

  /** A pong echoed {@code upTo} ({@code -1}: none of our numbers): the frames up to it are acknowledged. */
  void onPong(long upTo) {
    session.replay.pong(upTo);
  }
}
