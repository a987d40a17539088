package io.signalhub.verticles.impl;

import io.signalhub.protocol.Envelope;
import io.signalhub.verticles.Addresses;
import io.signalhub.verticles.HubOptions;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * One router's view of the rooms with a member on this node (the only rooms this node's senders are in; gauge
 * {@code signalhub_rooms}), which the router checks each message against (docs/protocol.md, "Delivery contract":
 * "Rooms are a boundary", "Broadcasts see what you saw").
 *
 * <p>Kept up to date by {@link Addresses#ROOM_EVENTS} ({@link #onEvent}): a newer {@code version} of the same
 * {@code gen} wins; a new {@code gen} with a member here replaces the room. A room enters the view with the event
 * of one of this node's peers joining it (or a fetch, below), and leaves it with the first newer state that has
 * no member here: events from several nodes arrive in any order, and an older state that still lists a peer that
 * has left since never brings the room back. When a peer's session in a room changes (a resume on another
 * connection), the view tells the router, which fences its previous address (docs/protocol.md, "Resume": "Order
 * across the move"), also when the room leaves the view with that state (the last peer here moved away).
 *
 * <p>When the cached room is older than what a sender has been told of, or does not know the recipient, the
 * router {@link #fetchThenRoute fetches} it from the room-registry ({@link Addresses#ROOM_GET}); the room's later
 * messages wait behind the fetch ({@link #waitForFetch}), so each sender's order holds, and are handed back to the
 * router in order once it ends. A room that had an event during the fetch keeps its view: the fetched state may
 * be older.
 *
 * <p>No state machine: maps. Owned by the router verticle ({@link io.signalhub.verticles.RouterVerticle}) and
 * confined to its context.
 */
public final class RoomView {

  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);

  private final Vertx vertx;
  private final HubOptions options;
  private final HubMetrics metrics;
  /** This node's id, read once. */
  private final String node;
  /** Told the state before and after, when a newer state of a room in the view replaces the previous one. */
  private final BiConsumer<RoomState, RoomState> onChange;
  /** Routes a message that waited for a fetch, with the room's state then ({@code null}: no such room). */
  private final BiConsumer<Envelope, RoomState> route;
  /** Takes a message that waited for a fetch that failed. */
  private final Consumer<Envelope> unavailable;
  /** The rooms with a member on this node. */
  private final Map<String, RoomState> rooms = new HashMap<>();
  /** Rooms whose state is being fetched from the registry, with the messages waiting for it. */
  private final Map<String, ArrayDeque<Envelope>> waiting = new HashMap<>();
  /** Rooms of {@link #waiting} that had an event meanwhile: the fetched state may be older, it is not kept. */
  private final Set<String> changedWhileWaiting = new HashSet<>();

  public RoomView(Vertx vertx, HubOptions options, HubMetrics metrics, String node,
                  BiConsumer<RoomState, RoomState> onChange, BiConsumer<Envelope, RoomState> route,
                  Consumer<Envelope> unavailable) {
    this.vertx = vertx;
    this.options = options;
    this.metrics = metrics;
    this.node = node;
    this.onChange = onChange;
    this.route = route;
    this.unavailable = unavailable;
  }

  /** The room's state in the view, or {@code null}. */
  public RoomState room(String name) {
    return rooms.get(name);
  }

  /**
   * Forgets every cached room (after a merge, {@link Addresses#CLUSTER_CHANGED}: the stored states may descend from
   * the other side's); each is fetched again when a message needs it. Fetches under way go on.
   */
  public void clear() {
    rooms.clear();
    changedWhileWaiting.addAll(waiting.keySet());
    metrics.rooms(0);
  }

  /** Queues {@code env} behind the fetch of its room, if one is under way: {@code true} when it did. */
  public boolean waitForFetch(Envelope env) {
    ArrayDeque<Envelope> queue = waiting.get(env.room());
    if (queue == null) {
      return false;
    }
    queue.add(env);
    return true;
  }

  /** A room event: {@code state} after {@code peer} joined (or resumed: {@code joined}), left or moved. */
  public void onEvent(RoomState state, String peer, boolean joined) {
    boolean joinedHere = joined && isLocal(state.members().get(peer));
    if (waiting.containsKey(state.room())) {
      changedWhileWaiting.add(state.room());
    }
    update(state, joinedHere);
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
      } else {
        rooms.remove(name); // its last member on this node left, moved away, or was evicted
      }
      onChange.accept(current, incoming); // (a peer of this node moved away is fenced too: its new session waits for that)
    } else if (here) {
      rooms.put(name, incoming);
      onChange.accept(current, incoming);
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

  /**
   * Fetches the state of {@code first}'s room from the room-registry, then hands {@code first} and the room's
   * messages that waited meanwhile, in order, to the router: to {@code route} with the state then, or, if the
   * registry did not answer, to {@code unavailable}.
   */
  public void fetchThenRoute(Envelope first) {
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
            unavailable.accept(env);
          }
          return;
        }
        RoomState room = rooms.getOrDefault(first.room(), fetched);
        for (Envelope env : pending) {
          route.accept(env, room);
        }
      });
  }
}
