package io.signalhub.verticles;

import io.signalhub.protocol.ErrorCode;
import io.signalhub.protocol.ProtocolException;
import io.signalhub.verticles.impl.EventHook;
import io.signalhub.verticles.impl.HubEventImpl;
import io.signalhub.verticles.impl.HubMetrics;
import io.signalhub.verticles.impl.Member;
import io.signalhub.verticles.impl.Nodes;
import io.signalhub.verticles.impl.Replies;
import io.signalhub.verticles.impl.RoomState;
import io.signalhub.verticles.impl.RoomStore;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The room-registry verticle: which peers are in which room, cluster-wide; joins, leaves, room capacity
 * ({@link HubOptions#getRoomCapacity()}) and removal of empty rooms.
 *
 * <p>Serves {@link Addresses#ROOM_JOIN}, {@link Addresses#ROOM_LEAVE} and {@link Addresses#ROOM_GET} for
 * its own node, over a {@link RoomStore} (Hazelcast map with entry processors when clustered). Publishes
 * every change on {@link Addresses#ROOM_EVENTS}. With an event handler ({@link HubEvent}), asks it about each
 * join of one of this node's peers before the room is written (REGISTER: a refusal is {@code join-refused} and
 * nothing is stored) and tells it of each removal (UNREGISTER); with
 * {@link HubOptions#isPublishLifecycleEvents()}, also publishes them on {@link Addresses#LIFECYCLE_REGISTER}
 * and {@link Addresses#LIFECYCLE_UNREGISTER}. Deploy one instance per node.
 */
public class RoomRegistryVerticle extends VerticleBase {

  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);
  private static final Logger LOG = LoggerFactory.getLogger(RoomRegistryVerticle.class);
  /** {@code peer-left} reason for the peers of a node that left the cluster without removing them. */
  public static final String NODE_FAILED = "node-failed";

  private HubOptions options;
  private final Handler<HubEvent> eventHandler;
  /** The application's event handler, or {@code null}: then no event is built. */
  private EventHook hook;
  private RoomStore store;
  private String node;
  private HubMetrics metrics;
  /** Whether joins and removals are published on the lifecycle addresses: asked for, or read by the webhooks. */
  private boolean publishLifecycle;
  /** Rooms with peers of this node, with how many (joins and leaves of this node's peers go through here). */
  private final java.util.Map<String, Integer> localRooms = new java.util.HashMap<>();
  /**
   * Joins being decided by the application, as {@code <room>/<peer>/<session>}: a leave for one of them (the
   * joining connection gave up waiting) removes it, and the join is then not written when the answer comes.
   */
  private final java.util.Set<String> admitting = new java.util.HashSet<>();

  /** Reads its options from the deployment config ({@link HubOptions#HubOptions(JsonObject)}). */
  public RoomRegistryVerticle() {
    this.eventHandler = null;
  }

  /** Uses {@code options} instead of the deployment config. */
  public RoomRegistryVerticle(HubOptions options) {
    this(options, null);
  }

  /**
   * Uses {@code options} instead of the deployment config, and asks {@code eventHandler} about the joins of
   * this node's peers (REGISTER) and tells it of removals (UNREGISTER); {@code null} for none.
   */
  public RoomRegistryVerticle(HubOptions options, Handler<HubEvent> eventHandler) {
    this.options = options;
    this.eventHandler = eventHandler;
  }

  @Override
  public Future<?> start() {
    if (options == null) {
      options = new HubOptions(config());
    }
    store = RoomStore.create(vertx);
    node = Nodes.nodeId(vertx);
    hook = EventHook.of(eventHandler, context, options);
    metrics = HubMetrics.of(vertx);
    publishLifecycle = options.isPublishLifecycleEvents() || options.hasWebhooks();
    EventBus eb = vertx.eventBus();
    return Future.all(
      eb.<JsonObject>localConsumer(Addresses.ROOM_JOIN, this::join).completion(),
      eb.<JsonObject>localConsumer(Addresses.ROOM_LEAVE, this::leave).completion(),
      eb.<JsonObject>localConsumer(Addresses.ROOM_GET, this::get).completion(),
      eb.<JsonObject>localConsumer(Addresses.ROOM_LIST, this::list).completion(),
      eb.<JsonObject>localConsumer(Addresses.ROOM_EVICT, this::evict).completion(),
      eb.<JsonObject>consumer(Addresses.ROOM_EVENTS, this::roomEvent).completion());
  }

  private void join(Message<JsonObject> msg) {
    String room = msg.body().getString("room");
    String peer = msg.body().getString("peer");
    String peerNode = msg.body().getString("node", node);
    String session = Member.of(peerNode, msg.body().getString("epoch"));
    String resumeFrom = msg.body().getString("resumeFrom");
    if (msg.body().getBoolean("reassert", false)) {
      reassert(msg, room, peer, peerNode, session);
      return;
    }
    if (!localRooms.containsKey(room) && localRooms.size() >= options.getMaxRoomsPerNode()) {
      Replies.fail(msg, new ProtocolException(ErrorCode.TOO_MANY_ROOMS,
        "this node serves " + options.getMaxRoomsPerNode() + " rooms already"));
      return;
    }
    localRooms.merge(room, 1, Integer::sum); // counted from now, so racing joins see it
    metrics.seatedRooms(localRooms.size());
    Future<RoomStore.Joined> write = hook == null || resumeFrom != null
      ? store.join(room, peer, session, options.getRoomCapacity(), resumeFrom)
      : admit(room, peer, peerNode, session).compose(v -> store.join(room, peer, session, options.getRoomCapacity(), null));
    write.onComplete(ar -> {
      if (ar.failed()) {
        uncount(room);
        Replies.fail(msg, ar.cause());
        return;
      }
      RoomStore.Joined joined = ar.result();
      RoomState state = joined.state();
      JsonObject json = state.toJson();
      EventBus eb = vertx.eventBus();
      if (!joined.added() && !joined.resumed()) {
        uncount(room); // it was there already as this session: counted then
      }
      if (joined.added()) {
        publishJoin("joined", json, peer, peerNode, joined.previous());
        if (publishLifecycle) {
          eb.publish(Addresses.LIFECYCLE_REGISTER, new JsonObject()
            .put("peer", peer).put("room", room).put("node", peerNode).put("members", state.members().size()), LOCAL);
        }
      } else if (joined.resumed()) {
        // the same peer on a new connection: routers switch to it, the room is not told anything
        publishJoin("resumed", json, peer, peerNode, joined.previous());
      }
      msg.reply(json.put("resumed", joined.resumed()));
    });
  }

  /**
   * A session of this node puts its seat back after a change in the cluster ({@link Addresses#OP_REASSERT}): no
   * capacity check and no application hook (the peer never left its room as far as its client knows; the rooms on
   * the other side of a partition were told it left and are now told it joined). Already counted in this node's rooms.
   */
  private void reassert(Message<JsonObject> msg, String room, String peer, String peerNode, String session) {
    store.reassert(room, peer, session, msg.body().getLong("floor", 0L)).onComplete(ar -> {
      if (ar.failed()) {
        Replies.fail(msg, ar.cause());
        return;
      }
      RoomStore.Joined joined = ar.result();
      JsonObject json = joined.state().toJson();
      if (joined.added()) {
        LOG.info("peer {} re-asserted in room {} after a cluster change", peer, room);
        publishJoin("joined", json, peer, peerNode, joined.previous());
      }
      msg.reply(json.put("resumed", false));
    });
  }

  /** A {@code joined} or {@code resumed} room event ({@link Addresses#ROOM_EVENTS}) of the room {@code json}. */
  private void publishJoin(String event, JsonObject json, String peer, String peerNode, String previous) {
    vertx.eventBus().publish(Addresses.ROOM_EVENTS, json.copy().put("event", event).put("peer", peer).put("node", peerNode)
      .put("previous", previous));
  }

  /**
   * REGISTER: asks the application whether {@code peer} may join {@code room}, before anything is written.
   * A room already full (without this peer) is left to the store to refuse ({@code room-full}) without
   * asking. Fails with {@code join-refused} when the application refuses.
   */
  private Future<Void> admit(String room, String peer, String peerNode, String session) {
    return store.get(room).compose(before -> {
      int members = before == null ? 0 : before.members().size();
      boolean seated = before != null && before.members().containsKey(peer);
      if (!seated && members >= options.getRoomCapacity()) {
        return Future.succeededFuture(); // room-full from the store: no REGISTER to ask about
      }
      String key = room + "/" + peer + "/" + session;
      admitting.add(key);
      return hook.ask(HubEventImpl.register(hook.promise(), peer, room, peerNode, members)).transform(decision -> {
        if (!admitting.remove(key)) {
          return Future.failedFuture("the joining connection left while the application decided");
        }
        return EventHook.accepted(decision) ? Future.<Void>succeededFuture()
          : Future.failedFuture(new ProtocolException(ErrorCode.JOIN_REFUSED, "the application refused this join"));
      });
    });
  }

  /** UNREGISTER, to the application's handler and, when enabled, as a JSON publication. */
  private void unregistered(String peer, RoomState after, String peerNode, String reason) {
    boolean removed = after.members().isEmpty();
    if (hook != null) {
      hook.tell(HubEventImpl.unregister(hook.promise(), peer, after.room(), peerNode, after.members().size(), reason, removed));
    }
    if (publishLifecycle) {
      vertx.eventBus().publish(Addresses.LIFECYCLE_UNREGISTER, new JsonObject().put("peer", peer).put("room", after.room())
        .put("node", peerNode).put("reason", reason).put("roomRemoved", removed), LOCAL);
    }
  }

  private void leave(Message<JsonObject> msg) {
    String room = msg.body().getString("room");
    String peer = msg.body().getString("peer");
    String reason = msg.body().getString("reason", "left");
    String epoch = msg.body().getString("epoch");
    if (epoch != null && !admitting.isEmpty()) {
      admitting.remove(room + "/" + peer + "/" + Member.of(node, epoch)); // a join still being decided is given up
    }
    store.leave(room, peer, epoch == null ? null : Member.of(node, epoch)).onComplete(ar -> {
      if (ar.failed()) {
        Replies.fail(msg, ar.cause());
        return;
      }
      RoomState state = ar.result();
      if (state == null) {
        msg.reply(new JsonObject().put("removed", false));
        return;
      }
      uncount(room);
      boolean removed = state.members().isEmpty();
      EventBus eb = vertx.eventBus();
      eb.publish(Addresses.ROOM_EVENTS, state.toJson()
        .put("event", "left").put("peer", peer).put("node", node).put("reason", reason));
      unregistered(peer, state, node, reason);
      msg.reply(new JsonObject().put("removed", removed));
    });
  }

  /** A seat moved from one of this node's sessions to another node's (a resume): it is no longer counted here. */
  private void roomEvent(Message<JsonObject> msg) {
    String previous = msg.body().getString("previous");
    if (previous != null && node.equals(Member.node(previous))) {
      uncount(msg.body().getString("room"));
    }
  }

  private void uncount(String room) {
    localRooms.computeIfPresent(room, (k, n) -> n <= 1 ? null : n - 1);
    metrics.seatedRooms(localRooms.size());
  }

  private void evict(Message<JsonObject> msg) {
    store.evictAbsentNodes().onComplete(ar -> {
      if (ar.failed()) {
        Replies.fail(msg, ar.cause());
        return;
      }
      EventBus eb = vertx.eventBus();
      for (RoomStore.Eviction eviction : ar.result()) {
        RoomState room = eviction.room();
        String deadNode = Member.node(eviction.session());
        eb.publish(Addresses.ROOM_EVENTS, room.toJson()
          .put("event", "left").put("peer", eviction.peer()).put("node", deadNode).put("reason", NODE_FAILED));
        unregistered(eviction.peer(), room, deadNode, NODE_FAILED);
        LOG.info("peer {} of departed node {} removed from room {}", eviction.peer(), deadNode, room.room());
      }
      msg.reply(new JsonObject().put("evicted", ar.result().size()));
    });
  }

  private void get(Message<JsonObject> msg) {
    store.get(msg.body().getString("room")).onComplete(ar -> {
      if (ar.failed()) {
        Replies.fail(msg, ar.cause());
      } else {
        msg.reply(ar.result() == null ? null : ar.result().toJson());
      }
    });
  }

  private void list(Message<JsonObject> msg) {
    store.page(msg.body().getString("after"), msg.body().getInteger("limit", 100)).onComplete(ar -> {
      if (ar.failed()) {
        Replies.fail(msg, ar.cause());
      } else {
        io.vertx.core.json.JsonArray rooms = new io.vertx.core.json.JsonArray();
        ar.result().forEach(state -> rooms.add(state.toJson()));
        msg.reply(new JsonObject().put("rooms", rooms));
      }
    });
  }
}
