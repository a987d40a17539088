package io.signalhub.verticles.impl;

import io.signalhub.verticles.Addresses;

/**
 * A peer's session as stored in the cluster-wide room and peer maps: {@code <node id>/<epoch>}, where the
 * epoch is a random id drawn for each connection. The session's event-bus address is
 * {@code peer.<id>.<epoch>}, so a reconnected peer never shares an address with its previous connection,
 * nor with a registration a crashed node left behind in the subscription map.
 */
public final class Member {

  private Member() {
  }

  /** The stored form of a session on {@code node} with {@code epoch}. */
  public static String of(String node, String epoch) {
    return node + "/" + epoch;
  }

  /** The node id of a stored session. */
  public static String node(String session) {
    return session.substring(0, session.lastIndexOf('/'));
  }

  /** The event-bus address of {@code peer}'s stored {@code session}. */
  public static String address(String peer, String session) {
    return Addresses.peer(peer, session.substring(session.lastIndexOf('/') + 1));
  }
}
