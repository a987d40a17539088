package io.signalhub.verticles.impl;

import io.signalhub.verticles.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.core.eventbus.Message;

/**
 * A peer's session as stored in the cluster-wide room and peer maps: {@code <node id>/<epoch>}, where the
 * epoch is a random id drawn for each connection. The session's event-bus address is
 * {@code peer.<id>.<epoch>}, so a reconnected peer never shares an address with its previous connection.
 *
 * <p>That address is a local consumer on the session's node: no per-peer registration goes to the cluster.
 * {@link #send} and {@link #request} reach it from any node: directly on its own node, else through that node's
 * relay ({@link Addresses#node}, one cluster consumer per node, see {@link #relay}), which keeps the order of what
 * one node sends to one session (one TCP connection between two nodes, one relay context).
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

  /**
   * Sends to {@code peer}'s {@code session} from node {@code localNode} ({@code opts} is not changed: options that
   * are {@link DeliveryOptions#isLocalOnly() local-only} go as they are to a session on this node, the common case
   * of a router's message, and are copied for another node's relay).
   */
  public static void send(Vertx vertx, String localNode, String peer, String session, Object body, DeliveryOptions opts) {
    String node = node(session);
    if (node.equals(localNode)) {
      vertx.eventBus().send(address(peer, session), body, opts.isLocalOnly() ? opts : new DeliveryOptions(opts).setLocalOnly(true));
    } else {
      vertx.eventBus().send(Addresses.node(node), body,
        new DeliveryOptions(opts).setLocalOnly(false).addHeader(Addresses.HEADER_TO, address(peer, session)));
    }
  }

  /**
   * A request to {@code peer}'s {@code session} from node {@code localNode}; fails like a request to its address.
   * A session on a node that is no longer a cluster member fails at once with {@link ReplyFailure#NO_HANDLERS}:
   * the clustered event bus may still list that node's address for a moment and would hold the request until its
   * time-out (a reconnect storm after a {@code kill -9} showed 5 s per peer, docs/benchmarks.md).
   */
  public static <T> Future<Message<T>> request(Vertx vertx, String localNode, String peer, String session, Object body,
                                               DeliveryOptions opts) {
    String node = node(session);
    DeliveryOptions copy = new DeliveryOptions(opts);
    if (node.equals(localNode)) {
      return vertx.eventBus().request(address(peer, session), body, copy.setLocalOnly(true));
    }
    ClusterManager cm = Nodes.clusterManager(vertx);
    if (cm != null && !cm.getNodes().contains(node)) {
      return Future.failedFuture(new ReplyException(ReplyFailure.NO_HANDLERS, "node " + node + " is not in the cluster"));
    }
    return vertx.eventBus().request(Addresses.node(node), body,
      copy.setLocalOnly(false).addHeader(Addresses.HEADER_TO, address(peer, session)));
  }

  /**
   * The relay of this node: what other nodes {@link #send} or {@link #request} to its sessions, passed on to the
   * local address in header {@link Addresses#HEADER_TO} in arrival order (replies and failures passed back).
   * Registered once per node, by presence.
   */
  public static void relay(Vertx vertx, Message<Object> msg) {
    String to = msg.headers().get(Addresses.HEADER_TO);
    if (to == null) {
      return;
    }
    DeliveryOptions local = new DeliveryOptions().setLocalOnly(true);
    msg.headers().forEach(h -> {
      if (!Addresses.HEADER_TO.equals(h.getKey())) {
        local.addHeader(h.getKey(), h.getValue());
      }
    });
    if (msg.replyAddress() == null) {
      vertx.eventBus().send(to, msg.body(), local);
      return;
    }
    vertx.eventBus().request(to, msg.body(), local).onComplete(ar -> {
      if (ar.succeeded()) {
        msg.reply(ar.result().body());
      } else if (ar.cause() instanceof io.vertx.core.eventbus.ReplyException failure) {
        msg.fail(failure.failureCode(), failure.getMessage());
      } else {
        msg.fail(-1, String.valueOf(ar.cause().getMessage()));
      }
    });
  }
}
