package io.signalhub.verticles.impl;

import io.signalhub.protocol.CloseCodes;
import io.signalhub.protocol.ErrorCode;
import io.signalhub.verticles.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The moves of one {@link Session} between connections (docs/protocol.md, "Resume": "Takeover", "Order across the
 * move"): on the new side, {@link #takeOver} asks the previous session for the frames its client missed, then the
 * fences of the routers that delivered there ({@link Addresses#OP_FENCE}) are awaited, at most
 * {@link #FENCE_WAIT_MS}, while direct frames are held, so nothing sent before the move overtakes what was sent
 * after it. On the old side, {@link #handOver} answers that request and from then on forwards what still arrives
 * to the new session ({@link #FORWARD_MS}, or {@link NodeDrain#DRAIN_MS} for a stopping node).
 *
 * <p>Its states are its session's ({@code JOINED | SUSPENDED -> HANDED_OVER}); its own data: the session taken
 * over ({@link #resumedFrom}), the one forwarded to ({@link #forwardTo}), and the fences awaited; the routers that
 * delivered here are noted in the session's {@link Vias}, which every session has. Created on first need; confined
 * to the session's context.
 */
final class Handover {

  /** How long a taken-over connection forwards what still arrives at its address, in ms. */
  static final long FORWARD_MS = 10_000;
  /** How often a resume asks again for the handover of a session that is still being set up, every 50 ms. */
  static final int HANDOVER_ATTEMPTS = 20;
  /** Longest wait of a resumed connection for a router's {@link Addresses#OP_FENCE}, in ms (its old node may be gone). */
  static final long FENCE_WAIT_MS = 1_000;

  private final Session session;
  /** The session this one took over, or {@code null}. */
  String resumedFrom;
  /** Handed over to a new session of the same peer ({@link Member}): what still arrives goes there. */
  String forwardTo;
  /** Frames the previous session handed over, to write right after {@code welcome}; {@code null} if none. */
  private List<String> handed;
  /**
   * Routers that delivered to this address, told to a connection that takes it over: the first, then any other (one
   * router per node: most sessions hear from one or two). Kept here, not in a Handover of every session.
   */
  static final class Vias {
    private String first;
    private Set<String> more;

    void note(String via) {
      if (first == null) {
        first = via;
      } else if (!first.equals(via)) {
        if (more == null) {
          more = new HashSet<>(4);
        }
        more.add(via);
      }
    }

    JsonArray toJson() {
      JsonArray all = new JsonArray();
      if (first != null) {
        all.add(first);
      }
      if (more != null) {
        more.forEach(all::add);
      }
      return all;
    }
  }
  /** Resumed: senders (routers, presence) whose fence has not arrived yet; direct frames are held meanwhile, in order. */
  private Set<String> awaitingFence;
  /** Routers whose fence has arrived. */
  private Set<String> fencedVias;
  private List<Message<String>> fenced;
  private long fenceTimer = -1;
  /** Handover requests that came while fences were awaited: answered once the wait is over. */
  private List<Runnable> afterFences;

  Handover(Session session) {
    this.session = session;
  }

  /**
   * Resume: asks the previous connection of this peer (suspended since its link dropped, or still open) for the
   * frames the client did not get; from then on it forwards to this connection's address. One still being set up
   * is asked again (up to {@link #HANDOVER_ATTEMPTS} times); one in another room leaves it instead, and one that
   * does not answer (its node is gone) hands over nothing: in both cases this connection joins afresh. A parked
   * session ({@code adopt}) takes every unacknowledged frame into its own replay log.
   */
  Future<Void> takeOver(String roomName, int attempt, long received, boolean adopt) {
    JsonObject request = new JsonObject().put("to", Member.of(session.node, session.epoch)).put("room", roomName)
      .put("received", received).put("adopt", adopt);
    return Member.<JsonObject>request(session.vertx, session.node, session.id, resumedFrom, request,
        new DeliveryOptions().setSendTimeout(session.options.getRequestTimeoutMs()).addHeader(Addresses.HEADER_OP, Addresses.OP_HANDOVER))
      .<Void>map(reply -> {
        if (reply.body().getBoolean("replaced", false)) {
          resumedFrom = null;
          return null;
        }
        session.replay.continueFrom(reply.body().getLong("seq", 0L));
        JsonArray routers = reply.body().getJsonArray("vias", new JsonArray());
        if (!routers.isEmpty()) {
          awaitingFence = new HashSet<>();
          routers.forEach(r -> awaitingFence.add((String) r));
        }
        JsonArray frames = reply.body().getJsonArray("frames", new JsonArray());
        for (int i = 0; i < frames.size(); i++) {
          if (adopt) {
            session.replay.remember(frames.getString(i)); // parked: numbered as they would have been, replayed to the resume
          } else {
            if (handed == null) {
              handed = new ArrayList<>();
            }
            handed.add(frames.getString(i));
          }
        }
        return null;
      })
      .recover(t -> {
        if (Replies.isRefusal(t) && attempt < HANDOVER_ATTEMPTS) {
          Promise<Void> again = Promise.promise();
          session.vertx.setTimer(50, timer -> takeOver(roomName, attempt + 1, received, adopt).onComplete(again));
          return again.future();
        }
        Session.LOG.info("peer {}: its previous connection did not hand over ({}); joining afresh", session.id, t.getMessage());
        resumedFrom = null;
        return Future.succeededFuture();
      });
  }

  /** The frames handed over for the {@code welcome} to follow (and forgets them), or {@code null}. */
  List<String> takeHanded() {
    List<String> frames = handed;
    handed = null;
    return frames;
  }

  /** Starts the wait for the routers' fences, once the resumed seat is ours (their fences follow that). */
  void startFenceWait() {
    if (awaitingFence == null || fenceTimer >= 0) {
      return;
    }
    if (resumedFrom == null) {
      releaseFenced();
      return;
    }
    fenceTimer = session.vertx.setTimer(FENCE_WAIT_MS, t -> {
      if (awaitingFence != null) {
        Session.LOG.debug("peer {}: no fence from {} within {} ms", session.id, awaitingFence, FENCE_WAIT_MS);
        releaseFenced();
      }
    });
  }

  /**
   * Whether a frame or fence that arrived is taken here: forwarded (this session was handed over), a fence, or
   * held behind a fence awaited. Otherwise notes the router it came through, and the session accepts it.
   */
  boolean screen(Message<String> msg, String op, String via) {
    if (forwardTo != null) {
      if (op == null || Addresses.OP_FENCE.equals(op)) {
        DeliveryOptions forward = new DeliveryOptions().addHeader(Addresses.HEADER_FORWARDED, "1");
        msg.headers().forEach(h -> forward.addHeader(h.getKey(), h.getValue()));
        Member.send(session.vertx, session.node, session.id, forwardTo, msg.body(), forward);
      }
      return true;
    }
    if (Addresses.OP_FENCE.equals(op)) {
      if (fencedVias == null) {
        fencedVias = new HashSet<>(2);
      }
      fencedVias.add(via);
      if (awaitingFence != null && awaitingFence.remove(via) && awaitingFence.isEmpty()) {
        releaseFenced();
      }
      return true;
    }
    if (op == null) {
      boolean forwarded = msg.headers().get(Addresses.HEADER_FORWARDED) != null;
      if (awaitingFence != null && forwarded && via != null && (fencedVias == null || !fencedVias.contains(via))) {
        awaitingFence.add(via); // a sender that first delivered to the old address after the handover: wait for it too
      }
      if (awaitingFence != null && !forwarded) {
        // what the old address still forwards comes first, whoever sent it (one room's events stay in order too)
        if (fenced == null) {
          fenced = new ArrayList<>();
        }
        fenced.add(msg);
        return true;
      }
      if (via != null) {
        session.vias.note(via);
      }
    }
    return false;
  }

  /**
   * The wait for fences is over (all came, or {@link #FENCE_WAIT_MS} passed): lets the held frames through, then
   * answers the handover requests that waited for that.
   */
  private void releaseFenced() {
    awaitingFence = null;
    session.vertx.cancelTimer(fenceTimer);
    if (fenced != null) {
      List<Message<String>> due = fenced;
      fenced = null;
      for (Message<String> m : due) {
        session.inbox.onPeerMessage(m);
      }
    }
    if (afterFences != null) {
      List<Runnable> due = afterFences;
      afterFences = null;
      due.forEach(Runnable::run);
    }
  }

  /**
   * Whether this session holds direct frames behind fences it is waiting for (a wait that ends within
   * {@link #FENCE_WAIT_MS}). It is not handed over meanwhile: the frames it holds are newer than what the fences
   * follow, and older than what its successor gets directly; handed over now, they would come after the latter.
   */
  private boolean waitingForFences() {
    return awaitingFence != null && fenceTimer >= 0;
  }

  /**
   * Answers another connection of this peer: {@link Addresses#OP_REPLACE} (it came without the token: a suspended
   * session leaves its room first) or {@link Addresses#OP_HANDOVER} (it resumes: {@link #handOver}; once the fences
   * this session itself awaits are in, at most {@link #FENCE_WAIT_MS} later). A session in another state fails the
   * request: not set up yet (asked again), or gone.
   */
  static void answer(Session session, Message<String> msg, String op) {
    if (Addresses.OP_REPLACE.equals(op) && session.keeping()) {
      session.departure.leaveSuspended();
      session.departure.ended().onComplete(ar -> msg.reply(null));
    } else if (Addresses.OP_HANDOVER.equals(op) && !session.forwarding()
      && (session.state() == Session.State.JOINED || session.state() == Session.State.SUSPENDED)) {
      Handover handover = session.handover();
      if (handover.waitingForFences()) {
        if (handover.afterFences == null) {
          handover.afterFences = new ArrayList<>(1);
        }
        handover.afterFences.add(() -> answer(session, msg, op)); // its state may have changed by then
      } else {
        handover.handOver(msg);
      }
    } else {
      msg.fail(Replies.PROTOCOL_FAILURE, ErrorCode.UNAVAILABLE.code());
    }
  }

  /** A new connection of this peer takes this one over: hand it what was kept, forward what still comes. */
  void handOver(Message<?> msg) {
    JsonObject body = (JsonObject) msg.body();
    boolean suspended = session.state() == Session.State.SUSPENDED;
    if (!session.room.equals(body.getString("room"))) {
      // a resume into another room: this session leaves its room (peer-left), the new connection joins afresh
      Session.LOG.info("peer {} resumed into another room than {}: leaving it", session.id, session.room);
      if (suspended) {
        session.departure.leaveSuspended();
      } else {
        session.closeWith(CloseCodes.SESSION_TAKEN_OVER, "session resumed by another connection", "disconnected");
      }
      session.departure.ended().onComplete(ar -> msg.reply(new JsonObject().put("replaced", true)));
      return;
    }
    forwardTo = body.getString("to");
    session.departure.cancelGrace();
    boolean wasOpen = session.isOpen();
    session.to(Session.State.HANDED_OVER);
    // replay what the client did not get (it says up to which seq it did), then what was kept since the link dropped
    JsonArray frames = new JsonArray();
    long base = session.replay.handOver(body.getLong("received", -1L), frames, session.id);
    msg.reply(new JsonObject().put("frames", frames).put("seq", base)
      .put("vias", session.vias.toJson()));
    boolean adopting = body.getBoolean("adopt", false);
    if (wasOpen && !adopting) {
      session.conn.close(CloseCodes.SESSION_TAKEN_OVER, "session resumed by another connection");
    }
    if (!wasOpen || !adopting) {
      session.room = null; // an adopted live peer keeps sending through here until its socket is closed with 1001
    }
    // this connection's id claim now belongs to the new one: releasing it is a no-op, but presence forgets us
    session.vertx.eventBus().send(Addresses.PRESENCE_DISCONNECT, new JsonObject().put("peer", session.id)
      .put("node", session.node).put("epoch", session.epoch), Session.LOCAL);
    Session.LOG.info("peer {} handed over to {}; node {} forwards to it", session.id, adopting ? "another node" : "a new connection", session.node);
    session.vertx.setTimer(FORWARD_MS, t -> session.departure.unregisterAndEnd());
  }
}
