package io.signalhub.verticles;

import io.signalhub.protocol.Envelope;
import io.signalhub.protocol.ErrorCode;
import io.signalhub.protocol.Frames;
import io.signalhub.protocol.Ids;
import io.signalhub.verticles.impl.EnvelopeCodec;
import io.signalhub.verticles.impl.EventHook;
import io.signalhub.verticles.impl.HubEventImpl;
import io.signalhub.verticles.impl.HubMetrics;
import io.signalhub.verticles.impl.Member;
import io.signalhub.verticles.impl.Nodes;
import io.signalhub.verticles.impl.RoomState;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.HashMap;
import java.util.LinkedHashMap;
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
 * <p>A message for a peer that is not in the room (yet), or a room broadcast sent while the sender is
 * alone, is held for {@link HubOptions#getHoldMs()} and delivered in order when a peer joins (seed 002's
 * PEER1 sends its offer before PEER2 opens the page; seed 003's clients have no ids); what cannot be held
 * or times out gets the sender an {@code expired} error ({@link HubOptions#getHoldMaxMessages()},
 * {@link HubOptions#getHoldMaxBytes()} bound it per recipient). With holding off, a {@code to} outside the
 * room gets {@code not-in-room} at once.
 *
 * <p>Membership comes from a view of the rooms with a member on this node (the only rooms this node's
 * senders are in), kept up to date by {@link Addresses#ROOM_EVENTS} (newer {@code version} of the same
 * {@code gen} wins; a new {@code gen} with a member here replaces the room). A room enters the view with the
 * event of one of this node's peers joining it (or a fetch, below), and leaves it with the first newer state
 * that has no member here: events from several nodes arrive in any order, and an older state that still
 * lists a peer that has left since never brings the room back. When the
 * cached room is older than what the sender has been told of ({@link Envelope#roomGen()},
 * {@link Envelope#roomVersion()}), or does not know the recipient, the router asks the room-registry
 * before routing or refusing; messages of that room wait meanwhile, so one sender's messages keep their
 * order. Deploy one instance per node: a single
 * router keeps each sender's messages in order.
 */
public class RouterVerticle extends VerticleBase {

  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);

  private HubOptions options;
  /** The rooms with a member on this node ({@code signalhub_rooms}). */
  private final Map<String, RoomState> rooms = new HashMap<>();
  /** Rooms whose state is being fetched from the registry, with the messages waiting for it. */
  private final Map<String, ArrayDeque<Envelope>> waiting = new HashMap<>();
  /** Rooms of {@link #waiting} that had an event meanwhile: the fetched state may be older, it is not kept. */
  private final java.util.Set<String> changedWhileWaiting = new java.util.HashSet<>();
  /** Held messages by {@code <room>/<recipient>} ({@code <room>/*} for broadcasts sent while alone). */
  private final Map<String, HoldQueue> held = new LinkedHashMap<>(); // expiry reports in the order held
  /** The same held messages by {@code <room>/<sender>}, for the per-sender bound. */
  private final Map<String, HoldQueue> heldBySender = new HashMap<>();
  private long holdSequence;
  /** This router's id, in header {@link Addresses#HEADER_VIA} of what it delivers and of its fences. */
  private final String routerId = Ids.random();
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
    hook = EventHook.of(eventHandler, context, options);
    publish = options.isPublishLifecycleEvents();
    EventBus eb = vertx.eventBus();
    if (options.getHoldMs() > 0) {
      sweepTimer = vertx.setPeriodic(Math.max(50, Math.min(1000, options.getHoldMs() / 4)), t -> expireHeld());
    }
    return Future.all(
      eb.<Envelope>localConsumer(Addresses.ROUTE, msg -> route(msg.body())).completion(),
      eb.<JsonObject>consumer(Addresses.ROOM_EVENTS, this::roomEvent).completion());
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
    boolean joinedHere = ("joined".equals(kind) || "resumed".equals(kind)) && isLocal(state.members().get(peer));
    if (waiting.containsKey(state.room())) {
      changedWhileWaiting.add(state.room());
    }
    update(state, joinedHere);
    if ("joined".equals(kind) || "resumed".equals(kind)) {
      String session = state.members().get(peer);
      if (session != null) {
        flushHeld(state.room(), peer, session);
      }
    } else if ("left".equals(kind)) {
      dropHeldFrom(state.room(), peer); // a sender that left: what it said is not delivered in its name later
    }
  }

  /**
   * Applies a room's state to the view. A room not in the view enters it only when {@code mayEnter} (one of
   * this node's peers joined it, or a fetch the room had no event during) and the state has a member here;
   * one in the view is replaced by a newer state of its {@code gen}, or by another {@code gen} with a member
   * here, and leaves the view with the first newer state of its {@code gen} without a member here. (An
   * older state, or another {@code gen}'s without a member here, is a late event: ignored.)
   */
  private void update(RoomState incoming, boolean mayEnter) {
    String name = incoming.room();
    RoomState current = rooms.get(name);
    boolean here = hasLocalMember(incoming);
    if (current == null) {
      if (mayEnter && here) {
        rooms.put(name, incoming);
      }
    } else if (current.gen().equals(incoming.gen())) {
      if (current.version() >= incoming.version()) {
        return;
      }
      if (here) {
        rooms.put(name, incoming);
        fenceMoves(current, incoming);
      } else {
        rooms.remove(name); // its last member on this node left, moved away, or was evicted
      }
    } else if (here) {
      rooms.put(name, incoming);
      fenceMoves(current, incoming);
    }
    metrics.rooms(rooms.size());
  }

  private boolean isLocal(String session) {
    return session != null && node.equals(Member.node(session));
  }

  private boolean hasLocalMember(RoomState state) {
    for (String session : state.members().values()) {
      if (isLocal(session)) {
        return true;
      }
    }
    return false;
  }

  private void route(Envelope env) {
    ArrayDeque<Envelope> queue = waiting.get(env.room());
    if (queue != null) {
      queue.add(env);
      return;
    }
    RoomState room = rooms.get(env.room());
    boolean current = room != null && room.gen().equals(env.roomGen()) && room.version() >= env.roomVersion();
    boolean known = current && (env.to() == null || room.members().containsKey(env.to()));
    if (known || env.from().equals(env.to())) {
      deliver(env, room);
    } else {
      fetchThenRoute(env);
    }
  }

  private void fetchThenRoute(Envelope first) {
    ArrayDeque<Envelope> queue = new ArrayDeque<>();
    queue.add(first);
    waiting.put(first.room(), queue);
    vertx.eventBus().<JsonObject>request(Addresses.ROOM_GET, new JsonObject().put("room", first.room()),
        new DeliveryOptions(LOCAL).setSendTimeout(options.getRequestTimeoutMs()))
      .onComplete(ar -> {
        boolean changed = changedWhileWaiting.remove(first.room());
        RoomState fetched = null;
        if (ar.succeeded()) {
          if (ar.result().body() != null) {
            fetched = RoomState.fromJson(ar.result().body());
            update(fetched, !changed);
          } else if (!changed && rooms.remove(first.room()) != null) { // the room no longer exists
            metrics.rooms(rooms.size());
          }
        }
        ArrayDeque<Envelope> pending = waiting.remove(first.room());
        if (ar.failed()) {
          for (Envelope env : pending) {
            sendError(env, ErrorCode.UNAVAILABLE, "the hub could not check room '" + env.room() + "', retry");
          }
          return;
        }
        RoomState room = rooms.getOrDefault(first.room(), fetched);
        for (Envelope env : pending) {
          deliver(env, room);
        }
      });
  }

  private void sendError(Envelope env, ErrorCode code, String message) {
    metrics.error(code.code());
    vertx.eventBus().send(env.replyTo(), Frames.error(code, message, env.type()),
      new DeliveryOptions(LOCAL).addHeader(Addresses.HEADER_ROOM, env.room()));
  }

  /** Routes {@code env} with {@code room} (the cached state, current enough for it), once the application agrees. */
  private void deliver(Envelope env, RoomState room) {
    if (hook == null) {
      send(env, room);
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
      Future<Boolean> decision = ask(env, rooms.get(env.room()));
      if (decision != null && !decision.isComplete()) {
        decision.onComplete(ar -> {
          queue.poll();
          decided(env, ar);
          decide(sender, queue);
        });
        return;
      }
      queue.poll();
      if (decision == null) {
        send(env, rooms.get(env.room())); // refused by the hub itself (not-in-room): nothing to ask
      } else {
        decided(env, decision);
      }
    }
    deciding.remove(sender);
  }

  /** The BROADCAST event of {@code env}, asked; {@code null} when the hub refuses it anyway ({@link #send}). */
  private Future<Boolean> ask(Envelope env, RoomState room) {
    String to = env.to();
    boolean present = to != null && room != null && room.members().containsKey(to);
    if (to != null && (to.equals(env.from()) || (!present && options.getHoldMs() <= 0))) {
      return null;
    }
    int recipients;
    if (to != null) {
      recipients = present ? 1 : 0;
    } else {
      recipients = room == null ? 0 : room.members().size() - (room.members().containsKey(env.from()) ? 1 : 0);
    }
    int length = HubEventImpl.utf8Length(Frames.routed(env.type(), env.from(), env.room(), to, env.members()));
    return hook.ask(HubEventImpl.broadcast(hook.promise(), env.type(), env.from(), env.room(), node, to, recipients, length));
  }

  private void decided(Envelope env, AsyncResult<Boolean> decision) {
    if (EventHook.accepted(decision)) {
      send(env, rooms.get(env.room()));
      return;
    }
    metrics.error(ErrorCode.MESSAGE_REFUSED.code());
    String to = env.to();
    String message = (to == null ? "room broadcast" : "message for '" + to + "'") + " refused by the application";
    vertx.eventBus().send(env.replyTo(), Frames.error(ErrorCode.MESSAGE_REFUSED, message, env.type(), to),
      new DeliveryOptions(LOCAL).addHeader(Addresses.HEADER_ROOM, env.room()));
  }

  /** Refuses, holds or sends {@code env} to its recipients in {@code room}. */
  private void send(Envelope env, RoomState room) {
    String to = env.to();
    boolean holding = options.getHoldMs() > 0;
    if (to != null && to.equals(env.from())) {
      sendError(env, ErrorCode.NOT_IN_ROOM, "a peer cannot send to itself");
      return;
    }
    boolean absent = to != null && (room == null || !room.members().containsKey(to));
    if (absent && !holding) {
      sendError(env, ErrorCode.NOT_IN_ROOM, "peer '" + to + "' is not in room '" + env.room() + "'");
      return;
    }
    String text = Frames.routed(env.type(), env.from(), env.room(), to, env.members());
    boolean alone = to == null && (room == null || room.members().size() <= 1);
    if (absent || (alone && holding)) {
      hold(env, text);
      return;
    }
    DeliveryOptions opts = roomHeader(env.room()).addHeader(Addresses.HEADER_SENT_AT, Long.toString(env.receivedAtMicros()));
    metrics.forwarded(env.type());
    int recipients = 0;
    if (to != null) {
      String session = room.members().get(to);
      flushHeld(env.room(), to, session); // anything held for it goes first
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
        .put("recipients", recipients).put("length", HubEventImpl.utf8Length(text));
      if (to != null) {
        event.put("to", to);
      }
      vertx.eventBus().publish(Addresses.LIFECYCLE_BROADCAST, event, LOCAL);
    }
  }

  /** Options of one routed message (local-only: {@link Member#send} copies them only for a session on another node). */
  private DeliveryOptions roomHeader(String room) {
    return new DeliveryOptions().setLocalOnly(true).addHeader(Addresses.HEADER_ROOM, room).addHeader(Addresses.HEADER_VIA, routerId);
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

  // ---- holding: messages for a peer that is not (yet) in the room (seed 002), and room broadcasts sent
  // while the sender is alone (seed 003), wait up to holdMs for a peer to join, bounded per recipient.

  private static String holdKey(String room, String to) {
    return room + "/" + (to == null ? "*" : to);
  }

  private void hold(Envelope env, String text) {
    HoldQueue queue = held.computeIfAbsent(holdKey(env.room(), env.to()), k -> new HoldQueue());
    HoldQueue bySender = heldBySender.computeIfAbsent(env.room() + "/" + env.from(), k -> new HoldQueue());
    if (queue.items.size() >= options.getHoldMaxMessages() || queue.bytes + text.length() > options.getHoldMaxBytes()
      || bySender.items.size() >= options.getHoldMaxMessages() || bySender.bytes + text.length() > options.getHoldMaxBytes()) {
      if (queue.items.isEmpty()) {
        held.remove(holdKey(env.room(), env.to()));
      }
      expired(new Held(env, text, 0, 0), "the hold limit (per recipient and per sender) is reached");
      return;
    }
    Held h = new Held(env, text, System.currentTimeMillis() + options.getHoldMs(), ++holdSequence);
    queue.add(h);
    bySender.add(h);
    metrics.held();
  }

  private void forget(Held h) {
    String key = h.env.room() + "/" + h.env.from();
    HoldQueue bySender = heldBySender.get(key);
    if (bySender != null && bySender.remove(h) && bySender.items.isEmpty()) {
      heldBySender.remove(key);
    }
  }

  private void dropHeldFrom(String room, String peer) {
    HoldQueue bySender = heldBySender.remove(room + "/" + peer);
    if (bySender == null) {
      return;
    }
    for (Held h : bySender.items) {
      String key = holdKey(h.env.room(), h.env.to());
      HoldQueue queue = held.get(key);
      if (queue != null && queue.remove(h) && queue.items.isEmpty()) {
        held.remove(key);
      }
    }
  }

  /** Delivers, in order, what is held for {@code peer} (and room broadcasts held for any newcomer). */
  private void flushHeld(String room, String peer, String session) {
    if (held.isEmpty()) {
      return;
    }
    List<Held> due = new ArrayList<>();
    HoldQueue direct = held.remove(holdKey(room, peer));
    if (direct != null) {
      due.addAll(direct.items);
    }
    HoldQueue broadcast = held.get(holdKey(room, null));
    if (broadcast != null) {
      for (Held h : new ArrayList<>(broadcast.items)) {
        if (!h.env.from().equals(peer)) { // a peer's own broadcast waits for someone else
          broadcast.remove(h);
          due.add(h);
        }
      }
      if (broadcast.items.isEmpty()) {
        held.remove(holdKey(room, null));
      }
    }
    if (due.isEmpty()) {
      return;
    }
    due.sort(java.util.Comparator.comparingLong(Held::seq)); // each sender's order, across both queues
    DeliveryOptions opts = roomHeader(room);
    for (Held h : due) {
      forget(h);
      sendTo(peer, session, h.text, opts);
    }
  }

  /** Sends a frame to {@code peer.<id>.<epoch>}: directly on this node, else through the session's node relay. */
  private void sendTo(String peer, String session, String text, DeliveryOptions opts) {
    Member.send(vertx, node, peer, session, text, opts);
  }

  private void expireHeld() {
    long now = System.currentTimeMillis();
    held.values().removeIf(queue -> {
      while (!queue.items.isEmpty() && queue.items.peek().deadline <= now) {
        Held h = queue.items.peek();
        queue.remove(h);
        forget(h);
        expired(h, "no peer joined within " + options.getHoldMs() + " ms");
      }
      return queue.items.isEmpty();
    });
  }

  private void expired(Held h, String why) {
    metrics.expired();
    metrics.error(ErrorCode.EXPIRED.code());
    String to = h.env.to();
    String message = (to == null ? "room broadcast" : "message for '" + to + "'") + " dropped: " + why;
    vertx.eventBus().send(h.env.replyTo(), Frames.error(ErrorCode.EXPIRED, message, h.env.type(), to),
      new DeliveryOptions(LOCAL).addHeader(Addresses.HEADER_ROOM, h.env.room()));
  }

  /**
   * A held message: the envelope (for its sender), its encoded frame, its deadline (epoch ms) and its
   * place in the order messages were held.
   */
  private record Held(Envelope env, String text, long deadline, long seq) {
  }

  /** Held messages in the order held, with their total size (characters). */
  private static final class HoldQueue {
    final ArrayDeque<Held> items = new ArrayDeque<>();
    long bytes;

    void add(Held h) {
      items.add(h);
      bytes += h.text.length();
    }

    boolean remove(Held h) {
      if (items.remove(h)) {
        bytes -= h.text.length();
        return true;
      }
      return false;
    }
  }
}
