package io.signalhub.verticles;

import io.signalhub.protocol.Frames;
import io.signalhub.verticles.impl.HubMetrics;
import io.signalhub.verticles.impl.Member;
import io.signalhub.verticles.impl.MembershipWatch;
import io.signalhub.verticles.impl.Nodes;
import io.signalhub.verticles.impl.PeerDirectory;
import io.signalhub.verticles.impl.Replies;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import io.vertx.core.spi.cluster.RegistrationInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The presence verticle: who is online, the heartbeat, and {@code peer-joined} / {@code peer-left}.
 *
 * <ul>
 *   <li>Claims and releases peer ids cluster-wide ({@link Addresses#PRESENCE_CONNECT},
 *       {@link Addresses#PRESENCE_DISCONNECT}) so that one id is connected once in the whole cluster.</li>
 *   <li>Every {@link HubOptions#getPingIntervalMs()} it asks each peer connected to this node to be pinged
 *       (a {@link Addresses#OP_PING} to {@code peer.<id>}); ws-ingress sends a WebSocket ping, or closes the
 *       peer with 4000 when nothing came from it for {@link HubOptions#getIdleTimeoutMs()}.</li>
 *   <li>When a node leaves the cluster (Hazelcast membership, watched directly) and every
 *       {@link HubOptions#getReconcileIntervalMs()}, it has the room-registry remove the peers of nodes that
 *       are gone ({@link Addresses#ROOM_EVICT}), so their rooms get {@code peer-left} with reason
 *       {@code node-failed}, and releases their ids.</li>
 *   <li>On every {@link Addresses#ROOM_EVENTS} event it tells the room's members that are connected to
 *       this node that a peer joined or left. Each node notifies only its own peers, so each member gets
 *       each notice once.</li>
 * </ul>
 * Deploy one instance per node.
 */
public class PresenceVerticle extends VerticleBase {

  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);
  private static final Logger LOG = LoggerFactory.getLogger(PresenceVerticle.class);

  private HubOptions options;
  private PeerDirectory directory;
  private String node;
  /**
   * Peers connected to this node: id to its claim as stored in the peer directory ({@link PeerDirectory#value}:
   * {@code <node>/<epoch>|<token hash>}, then {@code |s} while suspended), re-asserted after a change in the cluster.
   */
  private final Map<String, String> localPeers = new HashMap<>();
  /** Nodes that left the cluster and have not come back: {@code joined} events still on their way from them are stale. */
  private final Set<String> departedNodes = new HashSet<>();
  /** When the peers are re-asserted again after a change in the cluster, ms after the first pass. */
  private static final long[] REASSERT_AGAIN_MS = {2_000, 8_000};
  /** How long presence waits for the other nodes' relays to answer after a cluster change before it re-asserts, ms. */
  private static final long REACHABLE_WITHIN_MS = 10_000;
  /** Time-out of one of those pings, and the pause before the next, ms. */
  private static final long REACHABLE_PING_MS = 250;
  /** How long partition-lost events are gathered into one re-assertion, ms. */
  private static final long DATA_LOST_COALESCE_MS = 100;
  private boolean dataLostPending;
  /** Between Hazelcast's MERGING and MERGED on this member. */
  private boolean merging;
  private boolean reasserting;
  private boolean reassertAgain;
  private boolean reassertAgainLast;
  private final Set<Future<Void>> releasing = new HashSet<>();
  /** Sessions released before their claim completed (a timed-out claim): never added to {@link #localPeers}. */
  private final Set<String> releasedEarly = new HashSet<>();
  /** This presence's id in header {@link Addresses#HEADER_VIA} of what it sends to peers, and of its fences. */
  private final String presenceId = io.signalhub.protocol.Ids.random();
  /** Sessions whose claim is in flight. */
  private final Set<String> claiming = new HashSet<>();
  private long pingTimer = -1;
  private long reconcileTimer = -1;
  private MembershipWatch watch;
  private boolean reconciling;
  private boolean reconcileAgain;

  /** Reads its options from the deployment config ({@link HubOptions#HubOptions(JsonObject)}). */
  public PresenceVerticle() {
  }

  /** Uses {@code options} instead of the deployment config. */
  public PresenceVerticle(HubOptions options) {
    this.options = options;
  }

  @Override
  public Future<?> start() {
    if (options == null) {
      options = new HubOptions(config());
    }
    directory = PeerDirectory.create(vertx);
    node = Nodes.nodeId(vertx);
    EventBus eb = vertx.eventBus();
    pingTimer = vertx.setPeriodic(options.getPingIntervalMs(), id -> pingLocalPeers());
    watch = MembershipWatch.watch(vertx, context, new MembershipWatch.Changes() {
      @Override
      public void memberRemoved(String departed) {
        LOG.atWarn().addKeyValue("event", "member-left").addKeyValue("member", departed)
          .log("node {} left the cluster (crashed, stopped, or cut off): its peers leave their rooms", departed);
        departedNodes.add(departed);
        reconcile();
      }

      @Override
      public void memberAdded(String added) {
        if (departedNodes.remove(added) && !merging) { // (while this node merges, merged() re-asserts once it is done)
          LOG.atWarn().addKeyValue("event", "member-back").addKeyValue("member", added)
            .log("node {} is back in the cluster: re-asserting this node's {} peer(s) as well", added, localPeers.size());
          whenReachable(Set.of(added)).onComplete(ar -> afterClusterChange());
        } else {
          LOG.atInfo().addKeyValue("event", "member-joined").addKeyValue("member", added).log("node {} joined the cluster", added);
        }
      }

      @Override
      public void merging() {
        merging = true;
      }

      @Override
      public void merged() {
        merging = false;
        LOG.warn("node {} merged into the cluster after a partition or a stall: re-asserting its {} peer(s)", node, localPeers.size());
        departedNodes.clear();
        vertx.eventBus().publish(Addresses.CLUSTER_CHANGED, new JsonObject().put("event", "merged").put("node", node), LOCAL);
        Set<String> others = new HashSet<>(Nodes.clusterManager(vertx).getNodes());
        others.remove(node);
        whenReachable(others).onComplete(ar -> afterClusterChange());
      }

      @Override
      public void dataLost() {
        if (!dataLostPending) { // one event per lost partition: one re-assertion for the lot
          dataLostPending = true;
          vertx.setTimer(DATA_LOST_COALESCE_MS, t -> {
            dataLostPending = false;
            LOG.warn("cluster data was lost with departed members: node {} re-asserts its {} peer(s)", node, localPeers.size());
            afterClusterChange();
          });
        }
      }
    });
    if (watch != null) {
      reconcileTimer = vertx.setPeriodic(options.getReconcileIntervalMs(), id -> reconcile());
      vertx.setTimer(1, id -> reconcile()); // what departed nodes left behind before this node started
    }
    return Future.all(
      eb.consumer(Addresses.node(node), this::relay).completion(),
      eb.<JsonObject>localConsumer(Addresses.PRESENCE_CONNECT, this::connect).completion(),
      eb.<JsonObject>localConsumer(Addresses.PRESENCE_LOOKUP, this::lookup).completion(),
      eb.<JsonObject>localConsumer(Addresses.PRESENCE_DISCONNECT, this::disconnect).completion(),
      eb.<JsonObject>localConsumer(Addresses.PRESENCE_SUSPEND, this::suspend).completion(),
      eb.<JsonObject>consumer(Addresses.ROOM_EVENTS, this::roomEvent).completion());
  }

  /** Releases the ids still claimed by this node and waits for the releases in flight. */
  @Override
  public Future<?> stop() {
    vertx.cancelTimer(pingTimer);
    vertx.cancelTimer(reconcileTimer);
    if (watch != null) {
      watch.close();
    }
    localPeers.forEach((peer, claim) -> releasing.add(directory.release(peer, PeerDirectory.sessionOf(claim))));
    localPeers.clear();
    return Future.join(new ArrayList<>(releasing)).otherwiseEmpty();
  }

  private void connect(Message<JsonObject> msg) {
    String peer = msg.body().getString("peer");
    String session = Member.of(node, msg.body().getString("epoch"));
    claiming.add(session);
    directory.claim(peer, session, msg.body().getString("tokenHash"), msg.body().getString("resumeHash"),
      !msg.body().getBoolean("adopt", false)).onComplete(ar -> {
      claiming.remove(session);
      if (ar.failed()) {
        Replies.fail(msg, ar.cause());
      } else if (releasedEarly.remove(session)) {
        directory.release(peer, session); // its connection gave up (timed out) before the claim landed
        msg.reply(new JsonObject());
      } else {
        localPeers.put(peer, PeerDirectory.value(session, msg.body().getString("tokenHash")));
        PeerDirectory.Claimed claimed = ar.result();
        msg.reply(claimed.previous() == null ? new JsonObject()
          : new JsonObject().put(claimed.resumed() ? "resumedFrom" : "replaced", claimed.previous()));
      }
    });
  }

  /** {@link Addresses#PRESENCE_LOOKUP}: this node's own claims first, else the cluster-wide directory. */
  private void lookup(Message<JsonObject> msg) {
    String peer = msg.body().getString("peer");
    String local = localPeers.get(peer);
    if (local != null) {
      msg.reply(new JsonObject().put("claim", local));
      return;
    }
    directory.lookup(peer).onComplete(ar -> {
      if (ar.failed()) {
        Replies.fail(msg, ar.cause());
      } else {
        msg.reply(ar.result() == null ? new JsonObject() : new JsonObject().put("claim", ar.result()));
      }
    });
  }

  private void disconnect(Message<JsonObject> msg) {
    String peer = msg.body().getString("peer");
    String session = Member.of(node, msg.body().getString("epoch"));
    String claim = localPeers.get(peer);
    if (claim != null && PeerDirectory.sessionOf(claim).equals(session)) {
      localPeers.remove(peer);
    } else if (claiming.contains(session)) {
      releasedEarly.add(session); // the claim is still in flight
    }
    Future<Void> release = directory.release(peer, session);
    releasing.add(release);
    release.onComplete(ar -> releasing.remove(release));
  }

  private void suspend(Message<JsonObject> msg) {
    String peer = msg.body().getString("peer");
    String session = Member.of(node, msg.body().getString("epoch"));
    localPeers.computeIfPresent(peer, (id, claim) -> PeerDirectory.sessionOf(claim).equals(session)
      ? PeerDirectory.suspended(claim) : claim);
    directory.suspend(peer, session);
  }

  /**
   * This node's relay ({@link Addresses#node}): passes a message on to one of its connections
   * ({@link Member#relay}), or, for {@link Addresses#OP_UNDELIVERED}, the error to the current connection of the
   * peer it is for, if that peer is still connected here.
   */
  private void relay(Message<Object> msg) {
    if (Addresses.OP_NODE_PING.equals(msg.headers().get(Addresses.HEADER_OP))) {
      msg.reply(node);
      return;
    }
    if (!Addresses.OP_UNDELIVERED.equals(msg.headers().get(Addresses.HEADER_OP))) {
      Member.relay(vertx, msg);
      return;
    }
    String peer = msg.headers().get(Addresses.HEADER_PEER);
    String claim = peer == null ? null : localPeers.get(peer);
    if (claim != null) {
      vertx.eventBus().send(Member.address(peer, PeerDirectory.sessionOf(claim)), msg.body(),
        new DeliveryOptions(LOCAL).addHeader(Addresses.HEADER_ROOM, msg.headers().get(Addresses.HEADER_ROOM)));
    }
    if (msg.replyAddress() != null) {
      msg.reply(null); // taken: the node that sent it stops sending it again
    }
  }

  /**
   * After a change in the cluster (this member merged into another cluster after a partition or a stall; data lost
   * with departed members; a departed node back), re-asserts this node's peers
   * ({@link #reassert}) at once and again {@link #REASSERT_AGAIN_MS} later: what one node writes or publishes in
   * the first moments after a merge may not reach the others yet (each node's view of the event-bus subscriptions
   * is refreshed after the merge), and the other side re-asserts at its own pace, so the later passes bring every
   * view to the merged state whatever the order. (After a merge or a node's return it runs once the other nodes'
   * relays answer: {@link #whenReachable}.)
   */
  private void afterClusterChange() {
    reassert(false);
    for (int i = 0; i < REASSERT_AGAIN_MS.length; i++) {
      boolean last = i == REASSERT_AGAIN_MS.length - 1;
      vertx.setTimer(REASSERT_AGAIN_MS[i], t -> reassert(last));
    }
  }

  /**
   * Completes once the relay of each of {@code nodes} answers a {@link Addresses#OP_NODE_PING} from here, or after
   * {@link #REACHABLE_WITHIN_MS} (then the re-assertion goes on all the same, and its later passes cover the rest).
   * Right after a merge, the event bus of a node may not know the other nodes' consumers yet (each node's view of
   * the subscriptions is rebuilt from the merged cluster): a message sent then finds no handler and is dropped
   * without a word. So peers are told of each other only once messages can cross.
   */
  private Future<Void> whenReachable(Set<String> nodes) {
    long deadline = System.currentTimeMillis() + REACHABLE_WITHIN_MS;
    List<Future<Void>> all = new ArrayList<>();
    for (String other : nodes) {
      all.add(ping(other, deadline));
    }
    return Future.join(all).mapEmpty();
  }

  private Future<Void> ping(String other, long deadline) {
    return vertx.eventBus().request(Addresses.node(other), null, new DeliveryOptions()
        .addHeader(Addresses.HEADER_OP, Addresses.OP_NODE_PING).setSendTimeout(REACHABLE_PING_MS))
      .<Void>mapEmpty()
      .recover(t -> {
        if (System.currentTimeMillis() >= deadline) {
          LOG.warn("node {} still unreachable over the event bus after a cluster change: {}", other, t.getMessage());
          return Future.succeededFuture();
        }
        return vertx.timer(REACHABLE_PING_MS).compose(v -> ping(other, deadline));
      });
  }

  /**
   * Re-asserts the claim of each peer connected here ({@link PeerDirectory#reassert}); a peer that holds its id is
   * asked to re-assert its room seat and bring its client's view of the room up to date ({@link
   * Addresses#OP_REASSERT}), one whose id another connection won is closed ({@link Addresses#OP_ID_LOST}). One run at
   * a time (a request during a run starts one more after it). Nothing changes for a peer whose claim, seat and
   * client's view are as stored: the later passes cost a read and a no-op write per peer. Only in the {@code last}
   * pass are clients told of peers that are gone from their room ({@link Reassertion}).
   */
  private void reassert(boolean last) {
    if (reasserting) {
      reassertAgain = true;
      reassertAgainLast |= last;
      return;
    }
    reasserting = true;
    reassertAgain = false;
    reassertAgainLast = false;
    List<Future<Boolean>> claims = new ArrayList<>();
    new HashMap<>(localPeers).forEach((peer, claim) -> claims.add(directory.reassert(peer, claim).andThen(ar -> {
      String session = PeerDirectory.sessionOf(claim);
      String now = localPeers.get(peer);
      if (now == null || !PeerDirectory.sessionOf(now).equals(session)) {
        return; // gone or replaced meanwhile
      }
      if (ar.succeeded()) {
        vertx.eventBus().send(Member.address(peer, session), last ? Addresses.REASSERT_LAST_PASS : null, new DeliveryOptions(LOCAL)
          .addHeader(Addresses.HEADER_OP, ar.result() ? Addresses.OP_REASSERT : Addresses.OP_ID_LOST));
      }
    })));
    Future.join(claims).onComplete(ar -> {
      long failed = claims.stream().filter(Future::failed).count();
      if (failed > 0) {
        LOG.warn("re-asserting {} of {} peer id claim(s) failed", failed, claims.size());
      }
      reasserting = false;
      if (reassertAgain) {
        reassert(reassertAgainLast);
      }
    });
  }

  private void roomEvent(Message<JsonObject> msg) {
    JsonObject event = msg.body();
    String room = event.getString("room");
    String subject = event.getString("peer");
    String kind = event.getString("event");
    String frame;
    String notice;
    if ("resumed".equals(kind)) {
      // the peer never left, its room is not told; if it was ours, a fence behind what we sent it (see OP_FENCE)
      String previous = event.getString("previous");
      if (previous != null && node.equals(Member.node(previous))) {
        vertx.eventBus().send(Member.address(subject, previous), null, new DeliveryOptions(LOCAL)
          .addHeader(Addresses.HEADER_OP, Addresses.OP_FENCE).addHeader(Addresses.HEADER_VIA, presenceId));
      }
      frame = null; // our peers of the room only note the peer's new connection
      notice = "~" + subject + " " + event.getJsonObject("members").getString(subject);
    } else if ("joined".equals(kind)) {
      if (departedNodes.contains(event.getString("node"))) {
        LOG.info("ignored a stale peer-joined of {} in room {}: its node {} is not in the cluster", subject, room, event.getString("node"));
        return; // from a node cut off from this one, delayed on the way (a partition): its peers are gone for now
      }
      frame = Frames.peerJoined(room, subject);
      notice = "+" + subject + " " + event.getJsonObject("members").getString(subject);
    } else if ("left".equals(kind)) {
      frame = Frames.peerLeft(room, subject, event.getString("reason", "left"));
      notice = "-" + subject;
    } else {
      return;
    }
    DeliveryOptions options = new DeliveryOptions(LOCAL).addHeader(Addresses.HEADER_ROOM, room)
      .addHeader(Addresses.HEADER_ROOM_STATE, event.getString("gen") + ":" + event.getLong("version"))
      .addHeader(Addresses.HEADER_VIA, presenceId)
      .addHeader(Addresses.HEADER_NOTICE, notice);
    for (Map.Entry<String, Object> member : event.getJsonObject("members")) {
      String session = (String) member.getValue();
      if (node.equals(Member.node(session)) && !member.getKey().equals(subject)) {
        vertx.eventBus().send(Member.address(member.getKey(), session), frame, options);
      }
    }
  }

  /**
   * Removes the rooms' members and the claimed ids of nodes that are no longer in the cluster. Runs when a
   * member leaves and every {@link HubOptions#getReconcileIntervalMs()}; one run at a time (a request during a run
   * starts one more run after it). Only the oldest hub node of the cluster, as this node sees it, scans the stores
   * (a node that serves {@link Addresses#ROOM_EVENTS}; each side of a partition has its own, and when it leaves, its
   * successor runs at once): a scan reads every entry of both stores, and one per change instead of one per node
   * keeps a cluster of many nodes from scanning them many times over (docs/scaling.md). Each stale entry is removed,
   * and its {@code peer-left} sent, once.
   */
  private void reconcile() {
    if (reconciling) {
      reconcileAgain = true;
      return;
    }
    reconciling = true;
    reconcileAgain = false;
    hubNodes()
      .compose(hubs -> !watch.isOldestOf(hubs) ? Future.<Integer>succeededFuture() : scan())
      .onComplete(ar -> {
        if (ar.failed()) {
          LOG.warn("reconciling with the cluster failed, will retry: {}", ar.cause().toString());
        }
        reconciling = false;
        if (reconcileAgain) {
          reconcile();
        }
      });
  }

  /** One scan of both stores (room-registry's, then this verticle's); its wall time goes to {@link HubMetrics#reconciled}. */
  private Future<Integer> scan() {
    long start = System.nanoTime();
    return vertx.eventBus().<JsonObject>request(Addresses.ROOM_EVICT, new JsonObject(),
        new DeliveryOptions(LOCAL).setSendTimeout(options.getRequestTimeoutMs()))
      .compose(reply -> directory.evictAbsentNodes())
      .onSuccess(n -> HubMetrics.of(vertx).reconciled(System.nanoTime() - start));
  }

  /** The Vert.x node ids of the hub nodes: those with a consumer of {@link Addresses#ROOM_EVENTS}. */
  private Future<Set<String>> hubNodes() {
    Promise<List<RegistrationInfo>> registrations = Promise.promise();
    Nodes.clusterManager(vertx).getRegistrations(Addresses.ROOM_EVENTS, registrations);
    return registrations.future().map(list -> {
      Set<String> ids = new HashSet<>();
      list.forEach(r -> ids.add(r.nodeId()));
      ids.add(node);
      return ids;
    });
  }

  private void pingLocalPeers() {
    DeliveryOptions ping = new DeliveryOptions(LOCAL).addHeader(Addresses.HEADER_OP, Addresses.OP_PING);
    localPeers.forEach((peer, claim) -> vertx.eventBus().send(Member.address(peer, PeerDirectory.sessionOf(claim)), null, ping));
  }
}
