package io.signalhub.verticles.impl;

import io.signalhub.protocol.ErrorCode;
import io.signalhub.protocol.ProtocolException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;

import java.util.concurrent.ConcurrentHashMap;

/** {@link PeerDirectory} of a non-clustered Vertx, shared by its verticles. */
final class LocalPeerDirectory implements PeerDirectory, Shareable {

  private final ConcurrentHashMap<String, String> peers = new ConcurrentHashMap<>();

  static LocalPeerDirectory of(Vertx vertx) {
    LocalMap<String, LocalPeerDirectory> map = vertx.sharedData().getLocalMap("signalhub.stores.peers");
    LocalPeerDirectory created = new LocalPeerDirectory();
    LocalPeerDirectory previous = map.putIfAbsent("directory", created);
    return previous != null ? previous : created;
  }

  @Override
  public synchronized Future<Claimed> claim(String peer, String session, String tokenHash, String resumeHash,
                                            boolean mayReplace) {
    Claimed claimed = PeerDirectory.claimRule(peers.get(peer), resumeHash, mayReplace);
    if (claimed == null) {
      return Future.failedFuture(new ProtocolException(ErrorCode.ID_TAKEN, "peer id '" + peer + "' is taken"));
    }
    peers.put(peer, PeerDirectory.value(session, tokenHash));
    return Future.succeededFuture(claimed);
  }

  @Override
  public Future<String> lookup(String peer) {
    return Future.succeededFuture(peers.get(peer));
  }

  @Override
  public synchronized Future<Void> suspend(String peer, String session) {
    String current = peers.get(peer);
    if (current != null && PeerDirectory.sessionOf(current).equals(session)) {
      peers.put(peer, PeerDirectory.suspended(current));
    }
    return Future.succeededFuture();
  }

  @Override
  public synchronized Future<Boolean> reassert(String peer, String value) {
    String current = peers.get(peer);
    boolean holds = PeerDirectory.reassertRule(current, value, true);
    if (holds && (current == null || !PeerDirectory.sessionOf(current).equals(PeerDirectory.sessionOf(value)))) {
      peers.put(peer, value);
    }
    return Future.succeededFuture(holds);
  }

  @Override
  public Future<Integer> evictAbsentNodes() {
    return Future.succeededFuture(0); // a non-clustered Vertx is the only node
  }

  @Override
  public Future<Void> release(String peer, String session) {
    synchronized (this) {
      String current = peers.get(peer);
      if (current != null && PeerDirectory.sessionOf(current).equals(session)) {
        peers.remove(peer);
      }
    }
    return Future.succeededFuture();
  }

  /** The peer ids claimed (see {@link StoreContents}). */
  java.util.Set<String> ids() {
    return java.util.Set.copyOf(peers.keySet());
  }
}
