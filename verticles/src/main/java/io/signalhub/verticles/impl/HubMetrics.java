package io.signalhub.verticles.impl;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.signalhub.protocol.ErrorCode;
import io.signalhub.protocol.MessageType;
import io.vertx.core.Vertx;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.micrometer.backends.BackendRegistries;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The hub's own meters, in the Micrometer registry of vertx-micrometer-metrics when the {@code Vertx} was
 * created with metrics enabled (the standalone node does; an embedding application may), else no-ops.
 * Names as Prometheus shows them at {@code /metrics}:
 * <ul>
 *   <li>{@code signalhub_connections} open WebSocket connections on this node;</li>
 *   <li>{@code signalhub_peers} connections of this node that are in a room;</li>
 *   <li>{@code signalhub_rooms} rooms with peers of this node (its router's view: a room leaves it when its last peer here does);</li>
 *   <li>{@code signalhub_cluster_members} nodes in the cluster (1 when not clustered);</li>
 *   <li>{@code signalhub_messages_forwarded_total{type}} signaling messages routed from this node's peers;</li>
 *   <li>{@code signalhub_errors_total{code}} error frames sent, by error code;</li>
 *   <li>{@code signalhub_forward_latency_seconds} time from a frame's arrival on the sender's node to its
 *       write to the recipient's socket, for one routed message in {@link #LATENCY_SAMPLE_EVERY} (a histogram;
 *       across hosts it includes their clock offset);</li>
 *   <li>{@code signalhub_held_total}, {@code signalhub_expired_total} messages held for absent peers, and
 *       those dropped with {@code expired};</li>
 *   <li>{@code signalhub_resumes_total} sessions resumed after a dropped link.</li>
 * </ul>
 */
public final class HubMetrics {

  private static final Map<Vertx, HubMetrics> BY_VERTX = new WeakHashMap<>();

  private final MeterRegistry registry;
  private final AtomicInteger connections = new AtomicInteger();
  private final AtomicInteger peers = new AtomicInteger();
  private final AtomicInteger rooms = new AtomicInteger();
  /** Rooms the room-registry counts seats of this node in (for {@code maxRoomsPerNode}); not a meter. */
  private final AtomicInteger seatedRooms = new AtomicInteger();
  /** Sessions of this node's ws-ingress (open, suspended or parked); not a meter, see {@link #sessions()}. */
  private final AtomicInteger sessions = new AtomicInteger();
  /**
   * One routed message in this many carries its arrival time ({@code Addresses#HEADER_SENT_AT}) and is timed: a
   * header and a histogram update on every message cost a few percent of the CPU per message.
   */
  public static final int LATENCY_SAMPLE_EVERY = 16;
  /** The {@code reason}s of {@link #refused(String)}. */
  public static final List<String> REFUSALS = List.of("handshake-timeout", "address-cap", "origin");
  private final Timer latency;
  private final Counter held;
  private final Counter expired;
  private final Counter resumes;
  private final Map<String, Counter> forwardedByType = new java.util.concurrent.ConcurrentHashMap<>();
  private final Map<String, Counter> errorsByCode = new java.util.concurrent.ConcurrentHashMap<>();
  private final Map<String, Counter> webhookByOutcome = new java.util.concurrent.ConcurrentHashMap<>();
  private final Map<String, Counter> refusedByReason = new java.util.concurrent.ConcurrentHashMap<>();
  /** The wall time of this node's last reconcile scan of the stores, ns (0 until one ran here). */
  private final AtomicLong lastReconcileNanos = new AtomicLong();

  private HubMetrics(Vertx vertx, MeterRegistry registry) {
    this.registry = registry;
    if (registry == null) {
      latency = null;
      held = null;
      expired = null;
      resumes = null;
      return;
    }
    Gauge.builder("signalhub.connections", connections, AtomicInteger::get)
      .description("open WebSocket connections on this node").register(registry);
    Gauge.builder("signalhub.peers", peers, AtomicInteger::get)
      .description("connections of this node that are in a room").register(registry);
    Gauge.builder("signalhub.rooms", rooms, AtomicInteger::get)
      .description("rooms with peers of this node").register(registry);
    Gauge.builder("signalhub.cluster.members", vertx, v -> {
      ClusterManager cm = Nodes.clusterManager(v);
      return cm == null ? 1 : cm.getNodes().size();
    }).description("nodes in the cluster").register(registry);
    Gauge.builder("signalhub.reconcile.last.duration", lastReconcileNanos, n -> n.get() / 1e9).baseUnit("seconds")
      .description("wall time of this node's last scan of the stores for peers of departed nodes (0: none ran here; the "
        + "oldest hub node runs them)").register(registry);
    if (Nodes.isHazelcast(vertx)) {
      storeGauges(((HazelcastClusterManager) Nodes.clusterManager(vertx)).getHazelcastInstance());
    }
    latency = Timer.builder("signalhub.forward.latency")
      .description("from a frame's arrival on the sender's node to its write to the recipient's socket (one routed "
        + "message in " + LATENCY_SAMPLE_EVERY + ")")
      .publishPercentileHistogram().minimumExpectedValue(Duration.ofNanos(10_000))
      .maximumExpectedValue(Duration.ofSeconds(5)).register(registry);
    held = Counter.builder("signalhub.held").description("messages held for absent peers").register(registry);
    expired = Counter.builder("signalhub.expired").description("held messages dropped with 'expired'").register(registry);
    resumes = Counter.builder("signalhub.resumes").description("sessions resumed after a dropped link").register(registry);
    // present at 0 from the start, so that a rate or an alert on them has a series before the first one
    for (String type : MessageType.SIGNALING) {
      forwardedByType.put(type, forwardedCounter(type));
    }
    for (ErrorCode code : ErrorCode.values()) {
      errorsByCode.put(code.code(), errorCounter(code.code()));
    }
    for (String outcome : List.of("delivered", "retried", "dropped")) {
      webhookByOutcome.put(outcome, Counter.builder("signalhub.webhook.events").tag("outcome", outcome)
        .description("webhook POSTs delivered (2xx), failed and retried, and events dropped on a full queue "
          + "(webhookQueueMax)").register(registry));
    }
    for (String reason : REFUSALS) {
      refusedByReason.put(reason, Counter.builder("signalhub.connections.refused").tag("reason", reason)
        .description("connections the hub's checks turned away: handshake-timeout (no whole request within "
          + "handshakeTimeoutMs), address-cap (maxConnectionsPerIp), origin (allowedOrigins)").register(registry));
    }
  }

  /** A connection turned away for {@code reason}, one of {@link #REFUSALS}. */
  public void refused(String reason) {
    increment(refusedByReason, reason);
  }

  /** A webhook event {@code delivered}, {@code retried} or {@code dropped} ({@code WebhookVerticle}). */
  public void webhook(String outcome) {
    increment(webhookByOutcome, outcome);
  }

  /** Counts one in the counter of {@code key} among those made at start (none without a registry). */
  private static void increment(Map<String, Counter> counters, String key) {
    Counter counter = counters.get(key);
    if (counter != null) {
      counter.increment();
    }
  }

  /**
   * {@code signalhub_store_entries} and {@code signalhub_store_bytes}, tagged {@code store="rooms"|"peers"}: the
   * entries of a cluster-wide store (Hazelcast map) whose primary copy this member holds, and the heap they and the
   * backups held here take (Hazelcast's {@code LocalMapStats} owned plus backup entry memory cost: serialized key,
   * value and record). Summed over the nodes: what the cluster stores per room and per peer (docs/scaling.md).
   */
  private void storeGauges(HazelcastInstance hz) {
    Map<String, String> stores = Map.of("rooms", HazelcastRoomStore.MAP, "peers", HazelcastPeerDirectory.MAP);
    stores.forEach((tag, name) -> {
      IMap<?, ?> map = hz.getMap(name);
      Gauge.builder("signalhub.store.entries", map, m -> m.getLocalMapStats().getOwnedEntryCount()).tag("store", tag)
        .description("entries of a cluster-wide store whose primary copy this node holds").register(registry);
      Gauge.builder("signalhub.store.bytes", map, m -> m.getLocalMapStats().getOwnedEntryMemoryCost()
          + m.getLocalMapStats().getBackupEntryMemoryCost()).tag("store", tag).baseUnit("bytes")
        .description("heap taken on this node by a cluster-wide store's primary and backup entries").register(registry);
    });
  }

  /** The meters of {@code vertx} (no-ops when it has no Micrometer registry). */
  public static synchronized HubMetrics of(Vertx vertx) {
    return BY_VERTX.computeIfAbsent(vertx, v -> new HubMetrics(v, v.isMetricsEnabled() ? BackendRegistries.getDefaultNow() : null));
  }

  public void connectionOpened() {
    connections.incrementAndGet();
  }

  public void connectionClosed() {
    connections.decrementAndGet();
  }

  /** This node scanned the stores for entries of departed nodes ({@code PresenceVerticle}'s reconcile), in {@code nanos}. */
  public void reconciled(long nanos) {
    lastReconcileNanos.set(nanos);
  }

  public void peerJoined() {
    peers.incrementAndGet();
  }

  public void peerLeft() {
    peers.decrementAndGet();
  }

  /** Sets the number of rooms in the router's view (the rooms with peers of this node). */
  public void rooms(int count) {
    rooms.set(count);
  }

  /** Sets the number of rooms the room-registry counts seats of this node in. */
  public void seatedRooms(int count) {
    seatedRooms.set(count);
  }

  /** Rooms the room-registry counts seats of this node in ({@code maxRoomsPerNode} is checked against it). */
  public int seatedRooms() {
    return seatedRooms.get();
  }

  /** A session object was created (a connection, or a peer parked by a stopping node). */
  public void sessionCreated() {
    sessions.incrementAndGet();
  }

  /** A session was torn down for good. */
  public void sessionRemoved() {
    sessions.decrementAndGet();
  }

  /** {@code signalhub_connections} as it reads now (for diagnostics and the tests' leak check). */
  public int connections() {
    return connections.get();
  }

  /** {@code signalhub_peers} as it reads now. */
  public int peers() {
    return peers.get();
  }

  /** {@code signalhub_rooms} as it reads now. */
  public int rooms() {
    return rooms.get();
  }

  /** Sessions of this node not torn down yet: open, suspended (waiting for a resume) or parked. */
  public int sessions() {
    return sessions.get();
  }

  /** Counts a message forwarded, by its type (a per-type counter, looked up once: this is the hot path). */
  public void forwarded(String type) {
    if (registry != null) {
      forwardedByType.computeIfAbsent(type, this::forwardedCounter).increment();
    }
  }

  /** Counts an error sent to a client, by its code. */
  public void error(String code) {
    if (registry != null) {
      errorsByCode.computeIfAbsent(code, this::errorCounter).increment();
    }
  }

  private Counter forwardedCounter(String type) {
    return Counter.builder("signalhub.messages.forwarded").tag("type", type)
      .description("signaling messages (offer, answer, ICE candidate, ...) routed to a peer, by type").register(registry);
  }

  private Counter errorCounter(String code) {
    return Counter.builder("signalhub.errors").tag("code", code)
      .description("error frames sent to clients, by code (docs/protocol.md, \"Error codes\")").register(registry);
  }

  /** Records a forward latency from the sender node's arrival time, in epoch microseconds. */
  public void latencyFrom(long sentAtMicros) {
    if (latency != null) {
      long micros = nowMicros() - sentAtMicros;
      if (micros >= 0) {
        latency.record(micros, TimeUnit.MICROSECONDS);
      }
    }
  }

  public void held() {
    if (held != null) {
      held.increment();
    }
  }

  public void expired() {
    if (expired != null) {
      expired.increment();
    }
  }

  public void resumed() {
    if (resumes != null) {
      resumes.increment();
    }
  }

  /** Wall-clock time in microseconds since the epoch (comparable across nodes with synchronized clocks). */
  public static long nowMicros() {
    java.time.Instant now = java.time.Instant.now();
    return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
  }
}
