package io.signalhub.verticles;

import io.vertx.core.Promise;

/**
 * A lifecycle event of the hub, given to the embedding application's handler
 * ({@code SignalingHub.eventHandler(Handler<HubEvent>)}, or the {@code (HubOptions, Handler<HubEvent>)}
 * constructors of {@link RoomRegistryVerticle} and {@link RouterVerticle}): the Go room hub's three channels
 * (seed 004) {@code Register}, {@code Broadcast} and {@code Unregister}, typed.
 *
 * <p>Like vert.x-web's {@code BridgeEvent}, the event is a {@code Promise<Boolean>}: for {@link Type#REGISTER}
 * and {@link Type#BROADCAST} the application decides. {@code complete(true)} lets the join or the message
 * through; {@code complete(false)}, or failing the promise, refuses it:
 * <ul>
 *   <li>a refused REGISTER: the joining peer gets {@code error} {@code join-refused}, as for {@code room-full},
 *   and nothing is stored: the peer is in no room and the room's members hear nothing;</li>
 *   <li>a refused BROADCAST: the message reaches nobody and its sender gets {@code error}
 *   {@code message-refused}.</li>
 * </ul>
 * The promise may be completed later, from any thread. One not completed within half of
 * {@link HubOptions#getRequestTimeoutMs()} (2500 ms by default) counts as refused, and so does a handler that
 * throws (logged). While a BROADCAST waits for its decision, the later messages of the same sender wait behind
 * it, so a sender's messages keep their order. {@link Type#UNREGISTER} is observe-only: its promise is ignored.
 *
 * <p>The handler is called on the event loop of the verticle that raises the event (room-registry for
 * REGISTER and UNREGISTER, router for BROADCAST), on the node where the peer is connected (the node of the
 * sender for BROADCAST; for UNREGISTER of the peers of a node that crashed, the node that removes them): it
 * must not block. Set the same handler on every node to see the whole cluster. A hub without a handler builds
 * no event at all.
 *
 * <p>Not asked: a resume (the same session taking its seat back on any node, or a node adopting the peers of
 * a stopping node; {@code docs/protocol.md}, Resume) is no new REGISTER, and the hub's own refusals
 * ({@code room-full}, {@code not-in-room}, ...) are decided before the application is asked. A REGISTER the
 * application accepted can still fail when joins race for a room's last seat ({@code room-full}).
 *
 * <p>Accessors that do not apply to the event's {@link #type()} return {@code null}, {@code -1} or
 * {@code false}, as each says. No event ever carries a message's {@code data} (the SDP or ICE candidate).
 */
public interface HubEvent extends Promise<Boolean> {

  /** The three lifecycle channels of the Go room hub (seed 004). */
  enum Type {
    /** A peer is about to be added to a room (vetoable). */
    REGISTER,
    /** A peer's signaling message (offer, answer, ICE candidate, ...) is about to be routed (vetoable). */
    BROADCAST,
    /** A peer was removed from a room (observe-only). */
    UNREGISTER
  }

  /** Which channel. */
  Type type();

  /**
   * The peer id: the peer joining (REGISTER), the sender (BROADCAST, same as {@link #from()}), or the peer
   * removed (UNREGISTER). The hub's own id for the connection, never one written by the client in a frame.
   */
  String peer();

  /** The room joined, the room the message is routed in (the sender's), or the room left. */
  String room();

  /**
   * The cluster node id ({@code io.signalhub.verticles.impl.Nodes}) of the peer's connection: of the joining
   * peer, of the sender, or of the peer removed (for {@code node-failed}, the node that is gone).
   */
  String node();

  /**
   * REGISTER: how many peers are in the room before this one joins, as read from the room-registry just
   * before asking (0 for a new room; joins racing on other nodes may change it). UNREGISTER: how many remain
   * after the removal. BROADCAST: -1.
   */
  int members();

  /**
   * BROADCAST: the message's type as the router knows it ({@code offer}, {@code answer},
   * {@code ice-candidate}, or a dialect's type such as SimplePeer's {@code signal}); otherwise {@code null}.
   */
  String messageType();

  /** BROADCAST: the sender, stamped by the hub from its session (same as {@link #peer()}); otherwise {@code null}. */
  String from();

  /** BROADCAST: the recipient's peer id, or {@code null} for a message to the whole room; otherwise {@code null}. */
  String to();

  /**
   * BROADCAST: how many connections the message is delivered to now: 1 for a message with {@code to}, the
   * other members for a room broadcast; 0 when it is held for a peer that is not in the room yet (delivered
   * when that peer joins, without asking again). Otherwise -1.
   */
  int recipients();

  /**
   * BROADCAST: the size in bytes (UTF-8) of the frame the recipients are sent (the hub's {@code type},
   * {@code from}, {@code room}, {@code to} in front of the sender's other members, {@code data} included;
   * without the per-connection {@code seq}). Otherwise -1.
   */
  int length();

  /**
   * UNREGISTER: why the peer left, as in the {@code peer-left} frame ({@code left}, {@code disconnected},
   * {@code idle-timeout}, {@code slow-reader}, {@code refused}, {@code node-stopped}, {@code node-failed});
   * otherwise {@code null}.
   */
  String reason();

  /** UNREGISTER: whether the room was removed because this peer was its last member; otherwise {@code false}. */
  boolean roomRemoved();
}
