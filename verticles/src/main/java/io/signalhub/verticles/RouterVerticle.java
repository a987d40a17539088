package io.signalhub.verticles;

import io.netty.buffer.ByteBufUtil;
import io.signalhub.protocol.Envelope;
import io.signalhub.protocol.ErrorCode;
import io.signalhub.protocol.Frames;
import io.signalhub.protocol.Ids;
import io.signalhub.verticles.impl.EnvelopeCodec;
import io.signalhub.verticles.impl.EventHook;
import io.signalhub.verticles.impl.HeldMessages;
import io.signalhub.verticles.impl.HubEventImpl;
import io.signalhub.verticles.impl.HubMetrics;
import io.signalhub.verticles.impl.Member;
import io.signalhub.verticles.impl.Nodes;
import io.signalhub.verticles.impl.RoomState;
import io.signalhub.verticles.impl.RoomView;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * The router verticle: relays signaling messages between the peers of one room.
 *
 * <p>For each {@link Envelope} that ws-ingress hands it on {@link Addresses#ROUTE}, it checks that the
 * recipient {@code to} is in the sender's room, stamps {@code from} and {@code room} from the sender's
 * session (whatever the client wrote) in front of the rest of the frame as the client wrote it, and sends it to the recipient's
 * {@code peer.<id>.<epoch>}; without {@code to} it sends it to every other member of the room.
 *
 * <p>With an event handler ({@link HubEvent}), each message is first a BROADCAST event the application may
 * refuse ({@code message-refused} to its sender, delivered to no one); while one is being decided, the later
 * messages of the same sender wait behind it, so each sender's order holds. With
 * {@link HubOptions#isPublishLifecycleEvents()}, each message delivered is also published on
 * {@link Addresses#LIFECYCLE_BROADCAST}. Without either, routing builds no event.
 *
 * <p>Membership comes from {@link RoomView}, this node's view of its rooms (kept by {@link Addresses#ROOM_EVENTS};
 * when the cached room is older than what the sender has been told of ({@link Envelope#roomGen()},
 * {@link Envelope#roomVersion()}), or does not know the recipient, the view asks the room-registry before the
 * message is routed or refused, and the room's messages wait meanwhile). A message for a peer that is not in the
 * room (yet), or a room broadcast sent while the sender is alone, goes to {@link HeldMessages} for
 * {@link HubOptions#getHoldMs()}; with holding off, a {@code to} outside the room gets {@code not-in-room} at once.
 * When a peer's session in a room changes, the router sends a fence behind what it sent to the previous one.
 *
 * <p>Deploy one instance per node: a single router keeps each sender's messages in order.
 */
public class RouterVerticle extends VerticleBase {

  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);

  private HubOptions options;
  /** The rooms with a member on this node, and the fetches of rooms it is behind on. */
  private RoomView view;
  /** Messages for peers not (yet) in the room. */
  private HeldMessages held;
  /**
   * This router's id, {@code <node id>/<random>}, in header {@link Addresses#HEADER_VIA} of what it delivers and of
   * its fences (a recipient that drops a frame tells its sender through the node named there).
   */
  private String routerId;
  /** The last of this router's sequence numbers ({@link Addresses#HEADER_ROUTE_SEQ}). */
  private long routeSeq;
  /** This node's id, read once (the hot path compares it with each recipient's node). */
  private String node;
  private long sweepTimer = -1;
  private HubMetrics metrics;
  private final Handler<HubEvent> eventHandler;
  /** The application's event handler, or {@code null}: then messages are delivered at once, no event built. */
  private EventHook hook;
  /** {@link HubOptions#isPublishLifecycleEvents()}, read once for the hot path. */
  private boolean publish;
  /**
   * With a hook: by sender, its messages from the one being decided (the head) on, in the order they came;
   * a sender is absent when none of its messages awaits a decision.
   */
  private final Map<String, ArrayDeque<Envelope>> deciding = new HashMap<>();

  /** Reads its options from the deployment config ({@link HubOptions#HubOptions(JsonObject)}). */
  public RouterVerticle() {
    this.eventHandler = null;
  }

  /** Uses {@code options} instead of the deployment config. */
  public RouterVerticle(HubOptions options) {
    this(options, null);
  }

  /**
   * Uses {@code options} instead of the deployment config, and asks {@code eventHandler} about each message
   * before routing it (BROADCAST); {@code null} for none.
   */
  public RouterVerticle(HubOptions options, Handler<HubEvent> eventHandler) {
    this.options = options;
    this.eventHandler = eventHandler;
  }

  @Override
  public Future<?> start() {
    if (options == null) {
      options = new HubOptions(config());
    }
    EnvelopeCodec.register(vertx);
    metrics = HubMetrics.of(vertx);
    node = Nodes.nodeId(vertx);
    routerId = node + "/" + Ids.random();
    hook = EventHook.of(eventHandler, context, options);
    publish = options.isPublishLifecycleEvents();
    view = new RoomView(vertx, options, metrics, node, this::fenceMoves, this::deliver,
      env -> sendError(env, ErrorCode.UNAVAILABLE, "the hub could not check room '" + env.room() + "', retry"));
    held = new HeldMessages(vertx, options, metrics, node, routerId, this::nextSeq);
    EventBus eb = vertx.eventBus();
    if (options.getHoldMs() > 0) { // set here, not in HeldMessages: the hub's periodic timers are counted by class
      sweepTimer = vertx.setPeriodic(Math.max(50, Math.min(1000, options.getHoldMs() / 4)), t -> held.expire());
    }
    return Future.all(
      eb.<Envelope>localConsumer(Addresses.ROUTE, msg -> route(msg.body())).completion(),
      eb.<JsonObject>consumer(Addresses.ROOM_EVENTS, this::roomEvent).completion(),
      eb.<JsonObject>localConsumer(Addresses.CLUSTER_CHANGED, msg -> view.clear()).completion());
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(sweepTimer);
    return Future.succeededFuture();
  }

  private void roomEvent(Message<JsonObject> msg) {
    JsonObject event = msg.body();
    RoomState state = RoomState.fromJson(event);
    String peer = event.getString("peer");
    String kind = event.getString("event");
    boolean joined = "joined".equals(kind) || "resumed".equals(kind);
    view.onEvent(state, peer, joined);
    if (joined) {
      String session = state.members().get(peer);
      if (session != null) {
        held.flush(state.room(), peer, session);
      }
    } else if ("left".equals(kind)) {
      held.dropFrom(state.room(), peer); // a sender that left: what it said is not delivered in its name later
    }
  }

  private void route(Envelope env) {
    if (view.waitForFetch(env)) {
      return;
    }
    RoomState room = view.room(env.room());
    boolean current = room != null && room.gen().equals(env.roomGen()) && room.version() >= env.roomVersion();
    boolean known = current && (env.to() == null || room.members().containsKey(env.to()));
    if (known || env.from().equals(env.to())) {
      deliver(env, room);
    } else {
      view.fetchThenRoute(env);
    }
  }

  private void sendError(Envelope env, ErrorCode code, String message) {
    metrics.error(code.code());
    vertx.eventBus().send(env.replyTo(), Frames.error(code, message, env.type(), env.to()),
      new DeliveryOptions(LOCAL).addHeader(Addresses.HEADER_ROOM, env.room()));
  }

  /** Routes {@code env} with {@code room} (the cached state, current enough for it), once the application agrees. */
  private void deliver(Envelope env, RoomState room) {
    if (hook == null) {
      send(env, room, routed(env));
      return;
    }
    ArrayDeque<Envelope> queue = deciding.get(env.from());
    if (queue != null) {
      queue.add(env); // behind the sender's message being decided
      return;
    }
    queue = new ArrayDeque<>();
    queue.add(env);
    deciding.put(env.from(), queue);
    decide(env.from(), queue);
  }

  /**
   * Asks the application about the sender's messages one at a time, oldest first, and routes each accepted one
   * with the room's state as it is then; the next is asked only once the previous is routed or refused.
   */
  private void decide(String sender, ArrayDeque<Envelope> queue) {
    while (!queue.isEmpty()) {
      Envelope env = queue.peek();
      RoomState room = view.room(env.room());
      String refused = refusal(env, room);
      if (refused != null) {
        queue.poll();
        sendError(env, ErrorCode.NOT_IN_ROOM, refused); // refused by the hub itself: nothing to ask
        continue;
      }
      String text = routed(env);
      Future<Boolean> decision = hook.ask(broadcastEvent(env, room, text));
      if (!decision.isComplete()) {
        decision.onComplete(ar -> {
          queue.poll();
          decided(env, text, ar);
          decide(sender, queue);
        });
        return;
      }
      queue.poll();
      decided(env, text, decision);
    }
    deciding.remove(sender);
  }

  /** The BROADCAST event of {@code env}, whose routed frame is {@code text}, with {@code room} as it is now. */
  private HubEventImpl broadcastEvent(Envelope env, RoomState room, String text) {
    String to = env.to();
    int recipients;
    if (to != null) {
      recipients = room != null && room.members().containsKey(to) ? 1 : 0;
    } else {
      recipients = room == null ? 0 : room.members().size() - (room.members().containsKey(env.from()) ? 1 : 0);
    }
    return HubEventImpl.broadcast(hook.promise(), env.type(), env.from(), env.room(), node, to, recipients,
      ByteBufUtil.utf8Bytes(text));
  }

  private void decided(Envelope env, String text, AsyncResult<Boolean> decision) {
    if (EventHook.accepted(decision)) {
      send(env, view.room(env.room()), text);
      return;
    }
    metrics.error(ErrorCode.MESSAGE_REFUSED.code());
    String to = env.to();
    String message = (to == null ? "room broadcast" : "message for '" + to + "'") + " refused by the application";
    vertx.eventBus().send(env.replyTo(), Frames.error(ErrorCode.MESSAGE_REFUSED, message, env.type(), to),
      new DeliveryOptions(LOCAL).addHeader(Addresses.HEADER_ROOM, env.room()));
  }

  /**
   * Why the hub itself refuses {@code env} with {@code not-in-room} in {@code room} (a message to oneself, or to
   * a peer not in the room when nothing is held), or {@code null}.
   */
  private String refusal(Envelope env, RoomState room) {
    String to = env.to();
    if (to == null) {
      return null;
    }
    if (to.equals(env.from())) {
      return "a peer cannot send to itself";
    }
    boolean absent = room == null || !room.members().containsKey(to);
    return absent && options.getHoldMs() <= 0 ? "peer '" + to + "' is not in room '" + env.room() + "'" : null;
  }

  /** The frame {@code env} is delivered as: {@code from} and {@code room} stamped in front of the sender's members. */
  private static String routed(Envelope env) {
    return Frames.routed(env.type(), env.from(), env.room(), env.to(), env.members());
  }

  /** Refuses, holds or sends {@code env}, delivered as {@code text} ({@link #routed}), to its recipients in {@code room}. */
  private void send(Envelope env, RoomState room, String text) {
    String refused = refusal(env, room);
    if (refused != null) {
      sendError(env, ErrorCode.NOT_IN_ROOM, refused);
      return;
    }
    String to = env.to();
    boolean holding = options.getHoldMs() > 0;
    boolean absent = to != null && (room == null || !room.members().containsKey(to));
    boolean alone = to == null && (room == null || room.members().size() <= 1);
    if (absent || (alone && holding)) {
      held.hold(env, text);
      return;
    }
    String session = to == null ? null : room.members().get(to);
    if (to != null) {
      held.flush(env.room(), to, session); // anything held for it goes first (and is numbered first)
    }
    DeliveryOptions opts = roomHeader(env.room());
    if (routeSeq % HubMetrics.LATENCY_SAMPLE_EVERY == 1) { // the first, then one in LATENCY_SAMPLE_EVERY
      opts.addHeader(Addresses.HEADER_SENT_AT, Long.toString(env.receivedAtMicros())); // a sample for the latency histogram
    }
    metrics.forwarded(env.type());
    int recipients = 0;
    if (to != null) {
      sendTo(to, session, text, opts);
      recipients = 1;
    } else if (room != null) {
      for (Map.Entry<String, String> member : room.members().entrySet()) {
        if (!member.getKey().equals(env.from())) {
          sendTo(member.getKey(), member.getValue(), text, opts);
          recipients++;
        }
      }
    }
    if (publish) {
      JsonObject event = new JsonObject().put("type", env.type()).put("room", env.room()).put("from", env.from())
        .put("recipients", recipients).put("length", ByteBufUtil.utf8Bytes(text));
      if (to != null) {
        event.put("to", to);
      }
      vertx.eventBus().publish(Addresses.LIFECYCLE_BROADCAST, event, LOCAL);
    }
  }

  /** Options of one routed message (local-only: {@link Member#send} copies them only for a session on another node). */
  private DeliveryOptions roomHeader(String room) {
    return new DeliveryOptions().setLocalOnly(true).addHeader(Addresses.HEADER_ROOM, room).addHeader(Addresses.HEADER_VIA, routerId)
      .addHeader(Addresses.HEADER_ROUTE_SEQ, Long.toString(nextSeq()));
  }

  /** The next of this router's sequence numbers ({@link Addresses#HEADER_ROUTE_SEQ}). */
  private long nextSeq() {
    return ++routeSeq;
  }

  /**
   * A peer resumed on a new connection: behind what this router sent to its previous address, a
   * {@link Addresses#OP_FENCE} (forwarded from there to the new connection, which waits for it).
   */
  private void fenceMoves(RoomState before, RoomState after) {
    for (Map.Entry<String, String> member : before.members().entrySet()) {
      String now = after.members().get(member.getKey());
      if (now != null && !now.equals(member.getValue())) {
        Member.send(vertx, node, member.getKey(), member.getValue(), null, new DeliveryOptions()
          .addHeader(Addresses.HEADER_OP, Addresses.OP_FENCE).addHeader(Addresses.HEADER_VIA, routerId));
      }
    }
  }

  /** Sends a frame to {@code peer.<id>.<epoch>}: directly on this node, else through the session's node relay. */
  private void sendTo(String peer, String session, String text, DeliveryOptions opts) {
    Member.send(vertx, node, peer, session, text, opts);
  }
}
