package io.signalhub.verticles.impl;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;
import io.signalhub.protocol.ErrorCode;
import io.signalhub.protocol.ProtocolException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

import java.io.Serial;
import java.util.Map;

/** {@link PeerDirectory} on the Hazelcast map {@value #MAP} (peer id to session), asynchronous calls only. */
final class HazelcastPeerDirectory implements PeerDirectory {

  /** Name of the Hazelcast map of connected peers. */
  static final String MAP = "signalhub.peers";

  private final Vertx vertx;
  private final IMap<String, String> peers;

  HazelcastPeerDirectory(Vertx vertx) {
    this.vertx = vertx;
    this.peers = ((HazelcastClusterManager) Nodes.clusterManager(vertx)).getHazelcastInstance().getMap(MAP);
  }

  @Override
  public Future<Claimed> claim(String peer, String session, String tokenHash, String resumeHash, boolean mayReplace) {
    return HazelcastCalls.on(vertx.getOrCreateContext(), peers.submitToKey(peer, new Claim(session, tokenHash, resumeHash, mayReplace)))
      .compose(outcome -> outcome.equals("taken")
        ? Future.failedFuture(new ProtocolException(ErrorCode.ID_TAKEN, "peer id '" + peer + "' is taken"))
        : Future.succeededFuture(outcome.equals("fresh") ? Claimed.FRESH
          : new Claimed(outcome.substring(outcome.indexOf(':') + 1), outcome.startsWith("resumed:"))));
  }

  @Override
  public Future<Void> suspend(String peer, String session) {
    return HazelcastCalls.on(vertx.getOrCreateContext(), peers.submitToKey(peer, new IfHeldBy(session, false))).mapEmpty();
  }

  @Override
  public Future<String> lookup(String peer) {
    return HazelcastCalls.on(vertx.getOrCreateContext(), peers.getAsync(peer));
  }

  @Override
  public Future<Void> release(String peer, String session) {
    return HazelcastCalls.on(vertx.getOrCreateContext(), peers.submitToKey(peer, new IfHeldBy(session, true))).mapEmpty();
  }

  @Override
  public Future<Boolean> reassert(String peer, String value) {
    return HazelcastCalls.on(vertx.getOrCreateContext(), peers.submitToKey(peer, new Reassert(value)));
  }

  @Override
  public Future<Integer> evictAbsentNodes() {
    // executeOnEntries has no asynchronous form: run it on a worker, never on the event loop
    return vertx.executeBlocking(() -> (int) peers.executeOnEntries(new EvictAbsent()).values().stream()
      .filter(Boolean.TRUE::equals).count(), false);
  }

  /** Removes the entry when its node is not a current cluster member. */
  static final class EvictAbsent implements EntryProcessor<String, String, Boolean>, HazelcastInstanceAware {
    @Serial
    private static final long serialVersionUID = 1L;
    private transient HazelcastInstance hz;

    @Override
    public void setHazelcastInstance(HazelcastInstance hazelcastInstance) {
      this.hz = hazelcastInstance;
    }

    @Override
    public Boolean process(Map.Entry<String, String> entry) {
      if (entry.getValue() != null && !LiveNodes.of(hz).contains(Member.node(entry.getValue()))) {
        entry.setValue(null);
        return true;
      }
      return null;
    }
  }

  /** Applies {@link PeerDirectory#reassertRule}, as the member running it sees the cluster; sets the claim when it wins. */
  static final class Reassert implements EntryProcessor<String, String, Boolean>, HazelcastInstanceAware {
    @Serial
    private static final long serialVersionUID = 1L;
    private final String value;
    private transient HazelcastInstance hz;

    Reassert(String value) {
      this.value = value;
    }

    @Override
    public void setHazelcastInstance(HazelcastInstance hazelcastInstance) {
      this.hz = hazelcastInstance;
    }

    @Override
    public Boolean process(Map.Entry<String, String> entry) {
      String current = entry.getValue();
      boolean live = current == null || LiveNodes.of(hz).contains(Member.node(PeerDirectory.sessionOf(current)));
      if (!PeerDirectory.reassertRule(current, value, live)) {
        return false;
      }
      if (current == null || !PeerDirectory.sessionOf(current).equals(PeerDirectory.sessionOf(value))) {
        entry.setValue(value);
      }
      return true;
    }
  }

  /**
   * Applies {@link PeerDirectory#claimRule}: returns {@code fresh}, {@code resumed:<previous session>},
   * {@code replaced:<previous session>} or {@code taken}.
   */
  record Claim(String session, String tokenHash, String resumeHash, boolean mayReplace) implements EntryProcessor<String, String, String> {
    @Serial
    private static final long serialVersionUID = 1L;

    @Override
    public String process(Map.Entry<String, String> entry) {
      Claimed claimed = PeerDirectory.claimRule(entry.getValue(), resumeHash, mayReplace);
      if (claimed == null) {
        return "taken";
      }
      entry.setValue(PeerDirectory.value(session, tokenHash));
      return claimed.previous() == null ? "fresh" : (claimed.resumed() ? "resumed:" : "replaced:") + claimed.previous();
    }
  }

  /** When the entry is held by {@code session}: removes it ({@code release}), or marks it suspended. */
  record IfHeldBy(String session, boolean release) implements EntryProcessor<String, String, Boolean> {
    @Serial
    private static final long serialVersionUID = 1L;

    @Override
    public Boolean process(Map.Entry<String, String> entry) {
      if (entry.getValue() != null && session.equals(PeerDirectory.sessionOf(entry.getValue()))) {
        entry.setValue(release ? null : PeerDirectory.suspended(entry.getValue()));
        return true;
      }
      return false;
    }
  }

}
