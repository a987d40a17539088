package io.signalhub.verticles.impl;

import io.signalhub.verticles.HubEvent;
import io.vertx.core.Future;
import io.vertx.core.Promise;

/** A {@link HubEvent}: its fields, and the promise of its decision (completed on the raising verticle's context). */
public final class HubEventImpl implements HubEvent {

  private final Type type;
  private final String peer;
  private final String room;
  private final String node;
  private final int members;
  private final String messageType;
  private final String to;
  private final int recipients;
  private final int length;
  private final String reason;
  private final boolean roomRemoved;
  private final Promise<Boolean> decision;

  private HubEventImpl(Promise<Boolean> decision, Type type, String peer, String room, String node, int members,
                       String messageType, String to, int recipients, int length, String reason, boolean roomRemoved) {
    this.decision = decision;
    this.type = type;
    this.peer = peer;
    this.room = room;
    this.node = node;
    this.members = members;
    this.messageType = messageType;
    this.to = to;
    this.recipients = recipients;
    this.length = length;
    this.reason = reason;
    this.roomRemoved = roomRemoved;
  }

  /** {@code peer} of {@code node} is about to join {@code room}, which holds {@code members} peers. */
  public static HubEventImpl register(Promise<Boolean> decision, String peer, String room, String node, int members) {
    return new HubEventImpl(decision, Type.REGISTER, peer, room, node, members, null, null, -1, -1, null, false);
  }

  /** {@code from}'s message of {@code messageType} is about to be routed; {@code length} in UTF-8 bytes. */
  public static HubEventImpl broadcast(Promise<Boolean> decision, String messageType, String from, String room, String node,
                                       String to, int recipients, int length) {
    return new HubEventImpl(decision, Type.BROADCAST, from, room, node, -1, messageType, to, recipients, length, null, false);
  }

  /** {@code peer} of {@code node} left {@code room}, where {@code members} remain. */
  public static HubEventImpl unregister(Promise<Boolean> decision, String peer, String room, String node, int members,
                                        String reason, boolean roomRemoved) {
    return new HubEventImpl(decision, Type.UNREGISTER, peer, room, node, members, null, null, -1, -1, reason, roomRemoved);
  }

  @Override
  public Type type() {
    return type;
  }

  @Override
  public String peer() {
    return peer;
  }

  @Override
  public String room() {
    return room;
  }

  @Override
  public String node() {
    return node;
  }

  @Override
  public int members() {
    return members;
  }

  @Override
  public String messageType() {
    return messageType;
  }

  @Override
  public String from() {
    return type == Type.BROADCAST ? peer : null;
  }

  @Override
  public String to() {
    return to;
  }

  @Override
  public int recipients() {
    return recipients;
  }

  @Override
  public int length() {
    return length;
  }

  @Override
  public String reason() {
    return reason;
  }

  @Override
  public boolean roomRemoved() {
    return roomRemoved;
  }

  @Override
  public boolean tryComplete(Boolean result) {
    return decision.tryComplete(result);
  }

  @Override
  public boolean tryFail(Throwable cause) {
    return decision.tryFail(cause);
  }

  @Override
  public Future<Boolean> future() {
    return decision.future();
  }

  @Override
  public String toString() {
    return switch (type) {
      case REGISTER -> "HubEvent[REGISTER peer=" + peer + " room=" + room + " node=" + node + " members=" + members + "]";
      case BROADCAST -> "HubEvent[BROADCAST " + messageType + " from=" + peer + " to=" + to + " room=" + room
        + " recipients=" + recipients + " length=" + length + "]";
      case UNREGISTER -> "HubEvent[UNREGISTER peer=" + peer + " room=" + room + " node=" + node + " reason=" + reason
        + " members=" + members + " roomRemoved=" + roomRemoved + "]";
    };
  }
}
