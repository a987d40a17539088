package io.signalhub.verticles.impl;

import io.signalhub.protocol.Frames;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What one {@link Session}'s client has been told about the other peers of its room (docs/protocol.md, "Delivery
 * contract": "Partitions, stalls and merges"): the peers it was told are there ({@code welcome}'s {@code data.peers},
 * then {@code peer-joined}) and those it was told have left ({@code peer-left}) and not since told are back.
 *
 * <p>It screens the notices on their way to the client: one that would tell the client what it already knows (a
 * second {@code peer-joined} for a peer it was told is there, as a re-assertion after a merge produces) or that is
 * older, for that peer, than the last one it applied (two nodes' notices about one peer overtaking each other) is not
 * written. And it screens relayed frames: nothing reaches the client from a peer it was told has left, unless it was
 * first told that peer is back ({@link #isDeparted}). After a change in the cluster, {@link #reconcile} gives the
 * notices that bring the client's view to the room's stored state, including a peer whose id another connection now
 * holds (told it left, then that it joined).
 *
 * <p>Versions are the room's {@link RoomState#version()} within one {@link RoomState#gen()}; a notice of another
 * generation (the room was removed and created again) is applied as it comes. Confined to the session's context.
 */
final class Roster {

  /** {@code peer-left} reason of a peer found gone when the view is reconciled with the room after a cluster change. */
  static final String GONE = "node-failed";
  /**
   * {@code peer-left} reason of a peer whose id is held by another connection than the one the client was told of
   * (after a merge, the same id was connected on both sides): the client is told it left, then that it joined.
   */
  static final String REPLACED = "replaced";

  /** What the client was told about a peer present: the room version of that notice, and the peer's session if known. */
  private record Known(long version, String session) {
  }

  /** The room's generation the versions below belong to. */
  private String gen;
  /** Peers the client was told are in the room, with the room version of the last notice applied about each. */
  private final Map<String, Known> present = new HashMap<>();
  /** Peers the client was told have left (and not since that they are back), with the version of that notice. */
  private Map<String, Long> departed = Map.of(); // a map of its own once a peer departs: most sessions never see one

  /** The peer id of a {@link io.signalhub.verticles.Addresses#HEADER_NOTICE} value ({@code <kind><peer>[ <session>]}). */
  static String noticePeer(String notice) {
    int space = notice.indexOf(' ');
    return space < 0 ? notice.substring(1) : notice.substring(1, space);
  }

  /** The session of a {@link io.signalhub.verticles.Addresses#HEADER_NOTICE} value, or {@code null}. */
  static String noticeSession(String notice) {
    int space = notice.indexOf(' ');
    return space < 0 ? null : notice.substring(space + 1);
  }

  /** A fresh view: the client was just told {@code state} (a {@code welcome}); {@code self} is not listed. */
  void reset(RoomState state, String self) {
    gen = state.gen();
    present.clear();
    departed = Map.of();
    state.members().forEach((peer, session) -> {
      if (!peer.equals(self)) {
        present.put(peer, new Known(state.version(), session));
      }
    });
  }

  /** Forgets everything: the session left its room. */
  void clear() {
    gen = null;
    present.clear();
    departed = Map.of();
  }

  /**
   * A notice about {@code peer}, of the room state {@code stateGen} / {@code version}, is on its way to the client:
   * {@code peer-joined} ({@code kind} {@code '+'}, the peer's {@code session}), {@code peer-left} ({@code '-'}), or a
   * resume that moved the peer to {@code session} ({@code '~'}: nothing to write). Applies it and says whether to
   * write it.
   *
   * @return {@link Verdict#SKIP} when the notice is stale for that peer or tells the client nothing new;
   *     {@link Verdict#REPLACE} for a {@code peer-joined} of a peer the client knows under another connection (it
   *     rejoined afresh, e.g. after its node crashed, before this node heard it left): write a {@code peer-left}
   *     ({@link #REPLACED}) first
   */
  Verdict onNotice(char kind, String peer, String session, String stateGen, long version) {
    if (gen == null || !gen.equals(stateGen)) {
      gen = stateGen; // another incarnation of the room: versions start over
    } else {
      Long last = lastVersion(peer);
      if (last != null && version <= last) {
        return Verdict.SKIP;
      }
    }
    if (kind == '~') {
      if (present.containsKey(peer)) {
        present.put(peer, new Known(version, session));
      }
      return Verdict.SKIP;
    }
    if (kind == '+') {
      if (!departed.isEmpty()) {
        departed.remove(peer);
      }
      Known before = present.put(peer, new Known(version, session));
      if (before == null) {
        return Verdict.WRITE;
      }
      return before.session() != null && session != null && !before.session().equals(session) ? Verdict.REPLACE : Verdict.SKIP;
    }
    boolean wasPresent = present.remove(peer) != null;
    departedToWrite().put(peer, version);
    return wasPresent ? Verdict.WRITE : Verdict.SKIP;
  }

  /** What to do with a notice ({@link #onNotice}). */
  enum Verdict {
    /** Not written: stale, or nothing new. */
    SKIP,
    /** Written. */
    WRITE,
    /** A {@code peer-left} ({@link #REPLACED}) written first, then the notice. */
    REPLACE
  }

  private Map<String, Long> departedToWrite() {
    if (!(departed instanceof HashMap)) {
      departed = new HashMap<>(4);
    }
    return departed;
  }

  private Long lastVersion(String peer) {
    Known known = present.get(peer);
    return known != null ? Long.valueOf(known.version()) : departed.get(peer);
  }

  /** Whether the client was told {@code peer} left and not since that it is back. */
  boolean isDeparted(String peer) {
    return !departed.isEmpty() && departed.containsKey(peer);
  }

  /** Whether some peer is departed: the only case in which relayed frames need a look ({@link #isDeparted}). */
  boolean anyDeparted() {
    return !departed.isEmpty();
  }

  /** A notice {@link #reconcile} made: the canonical frame, and the peer it says joined ({@code null}: it left). */
  record Notice(String frame, String joined) {
  }

  /**
   * The notices ({@code peer-left}s, then {@code peer-joined}s in join order) that bring the client's view of
   * {@code room} to {@code state}, applied to this roster; none when they agree. A peer about whom the client got a
   * newer notice than {@code state} meanwhile is left as it is. A peer the client was told of and that {@code state}
   * lacks is told left only when {@code tellLeft} (the last pass after a cluster change: in the first ones, the other
   * nodes of this node's side may not have put their peers back yet) and never when its connection is on
   * {@code localNode} (that peer is alive: it re-asserts its own seat, and its own leave would tell the room).
   */
  List<Notice> reconcile(String room, RoomState state, String self, String localNode, boolean tellLeft) {
    List<Notice> notices = new ArrayList<>();
    boolean sameGen = state.gen().equals(gen);
    gen = state.gen();
    long version = state.version();
    for (Map.Entry<String, Known> told : new ArrayList<>(present.entrySet())) {
      String peer = told.getKey();
      String knownSession = told.getValue().session();
      String session = state.members().get(peer);
      boolean newer = sameGen && told.getValue().version() > version;
      boolean local = knownSession != null && localNode.equals(Member.node(knownSession));
      if (newer || local) {
        continue;
      }
      if (session == null && tellLeft) {
        present.remove(peer);
        departedToWrite().put(peer, version);
        notices.add(new Notice(Frames.peerLeft(room, peer, GONE), null));
      } else if (session != null && knownSession != null && !session.equals(knownSession)) {
        present.remove(peer); // another connection holds the id: it left, and the new one joins below
        notices.add(new Notice(Frames.peerLeft(room, peer, REPLACED), null));
      }
    }
    for (Map.Entry<String, String> member : state.members().entrySet()) {
      String peer = member.getKey();
      Long last = lastVersion(peer);
      if (peer.equals(self) || (sameGen && last != null && last > version)) {
        continue;
      }
      if (!departed.isEmpty()) {
        departed.remove(peer);
      }
      if (present.put(peer, new Known(version, member.getValue())) == null) {
        notices.add(new Notice(Frames.peerJoined(room, peer), peer));
      }
    }
    return notices;
  }
}
