package io.signalhub.protocol;

import java.util.Set;

/** The {@code type} values of protocol v1 (see {@code docs/protocol.md}). */
public final class MessageType {
  /** Client to hub: join a room, {@code {"type":"join","room":"r","data":{"id":"p"}}}. */
  public static final String JOIN = "join";
  /** Client to hub: leave the room, {@code {"type":"leave"}}; answered with {@link #LEFT}. */
  public static final String LEAVE = "leave";
  /** Both ways: an SDP offer, {@code data} = {@code {"type":"offer","sdp":"..."}}. */
  public static final String OFFER = "offer";
  /** Both ways: an SDP answer, {@code data} = {@code {"type":"answer","sdp":"..."}}. */
  public static final String ANSWER = "answer";
  /** Both ways: one trickle ICE candidate, {@code data} = {@code {"candidate","sdpMid","sdpMLineIndex"}}. */
  public static final String ICE_CANDIDATE = "ice-candidate";
  /**
   * Both ways: an opaque signal of one dialect that has no equivalent in the others (SimplePeer's
   * renegotiate, transceiverRequest), {@code data} untouched.
   */
  public static final String SIGNAL = "signal";
  /** Hub to client: joined, {@code {"type":"welcome","room","to","data":{"id","peers":[...]}}}. */
  public static final String WELCOME = "welcome";
  /** Hub to client: {@code {"type":"peer-joined","room","data":{"id"}}}. */
  public static final String PEER_JOINED = "peer-joined";
  /** Hub to client: {@code {"type":"peer-left","room","data":{"id","reason"}}}. */
  public static final String PEER_LEFT = "peer-left";
  /** Hub to client: reply to {@link #LEAVE}, {@code {"type":"left","room"}}. */
  public static final String LEFT = "left";
  /** Hub to client: {@code {"type":"error","data":{"code","message","type"}}}. */
  public static final String ERROR = "error";
  /**
   * Hub to client, protocol v1 only: {@code {"type":"server-message","room","data"}}, a message from the operator
   * (the admin API); the seed documents' dialects have none.
   */
  public static final String SERVER_MESSAGE = "server-message";

  /** The types a client may send that the router relays to peers. */
  public static final Set<String> SIGNALING = Set.of(OFFER, ANSWER, ICE_CANDIDATE);

  private MessageType() {
  }
}
