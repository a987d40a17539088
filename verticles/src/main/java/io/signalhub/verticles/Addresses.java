package io.signalhub.verticles;

/**
 * Every event-bus address the hub uses, with the shape of the messages sent to it. Bodies are
 * {@link io.vertx.core.json.JsonObject}s unless said otherwise; "request" means the sender expects a
 * reply within {@link HubOptions#getRequestTimeoutMs()} and a failure is a
 * {@link io.vertx.core.eventbus.ReplyException} whose message is an {@link io.signalhub.protocol.ErrorCode}
 * code (e.g. {@code room-full}).
 *
 * <p>"Local" addresses are consumed with {@code localConsumer} and sent with {@code localOnly}: each node
 * serves its own peers, and the cluster-wide state lives in the stores behind the room-registry and
 * presence verticles. "Cluster" addresses cross nodes.
 */
public final class Addresses {

  /**
   * Local: {@code peer.<id>.<epoch>}, one consumer per connected peer, registered by ws-ingress before the peer
   * is told it joined; other nodes reach it through its node's relay ({@link #node}). The epoch is a random id drawn for each connection and
   * stored with the membership, so a reconnect, or a registration a crashed node left behind, never puts
   * two consumers on one address (where round-robin would lose every other message). Body: a
   * {@code String}, the complete JSON text frame to write to the peer's socket. Header {@value #HEADER_ROOM}: the room the frame belongs to; ws-ingress drops a frame
   * whose room is not the peer's room. Header {@value #HEADER_OP} = {@value #OP_PING} (no body) asks
   * ws-ingress to ping the peer, or close it when idle.
   */
  public static final String PEER_PREFIX = "peer.";

  /** Header on {@code peer.<id>} messages: the room of the frame. */
  public static final String HEADER_ROOM = "room";
  /**
   * Header on {@code peer-joined} / {@code peer-left} frames to {@code peer.<id>}: the room's generation
   * and version after the change, {@code <gen>:<version>} (see {@link io.signalhub.protocol.Envelope}).
   */
  public static final String HEADER_ROOM_STATE = "room-state";
  /**
   * Header on one routed frame in {@code HubMetrics.LATENCY_SAMPLE_EVERY}: when it arrived on the sender's node, epoch
   * microseconds (for the latency histogram).
   */
  public static final String HEADER_SENT_AT = "ts";
  /** Header on {@code peer.<id>} messages: a control operation instead of a frame. */
  public static final String HEADER_OP = "op";
  /** {@value #HEADER_OP} value: WebSocket-ping the peer, or close it with 4000 when idle. */
  public static final String OP_PING = "ping";
  /**
   * {@value #HEADER_OP} value, a request: a new connection of the same peer takes this one over (resume).
   * Body {@code {"to":<new session, node/epoch>,"room","received":<seq of the last frame the client got, or -1>,
   * "adopt":bool}}; reply {@code {"frames":[...],"seq":<the seq before the first of them>,"vias":[<sender ids>]}}
   * ({@code {"replaced":true}} when {@code room} is not this session's: it left its room instead): the frames the client
   * did not get followed by those kept since the link dropped, in order, and the routers that delivered to this
   * address. Afterwards this address forwards what still arrives (frames and {@value #OP_FENCE}s, with header
   * {@value #HEADER_FORWARDED}) to the new one for a while.
   */
  public static final String OP_HANDOVER = "handover";
  /**
   * {@value #HEADER_OP} value: a router's (or the old node's presence's) mark, sent to a peer's previous address
   * when the room says the peer is now at a new one (resumed), behind every frame it sent there; the previous
   * connection forwards it. The new connection holds its direct frames until the fences of every sender that
   * delivered to the old address have arrived (at most {@code FENCE_WAIT_MS}), so frames forwarded by the old
   * address never fall behind later ones: frames stay in order across a resume. Header {@value #HEADER_VIA}.
   */
  public static final String OP_FENCE = "fence";
  /**
   * {@value #HEADER_OP} value, a request to a suspended connection from a new one that claimed its peer id without
   * its resume token: leave the room now (the room gets {@code peer-left}); the reply comes once it has left.
   */
  public static final String OP_REPLACE = "replace";
  /**
   * {@value #HEADER_OP} value, a request to a peer's connection from the admin API: close it with 4100 (removed by
   * the operator) and leave its room, which hears {@code peer-left} with reason {@code removed}. Reply {@code {}}.
   */
  public static final String OP_REMOVE = "remove";
  /**
   * Header on the {@code peer-joined} / {@code peer-left} frames presence sends to {@code peer.<id>.<epoch>}:
   * {@code +<peer id> <session>} (joined) or {@code -<peer id>} (left), with {@value #HEADER_ROOM_STATE}; and on the
   * body-less notice {@code ~<peer id> <session>} (a peer resumed on another connection: nothing is written). The receiving
   * session keeps what its client was told ({@code Roster}): it writes no notice that tells the client nothing new or
   * that is older than the last one about that peer, and no relayed frame from a peer its client was told had left.
   */
  public static final String HEADER_NOTICE = "notice";
  /**
   * {@value #HEADER_OP} value, from presence after a change in the cluster (a merge after a partition or a stall,
   * data lost with departed members, a departed node back): the session's peer id claim was re-asserted; re-assert
   * its room seat ({@link #ROOM_JOIN} with {@code "reassert":true}) and bring its client's view of the room to the
   * stored state ({@code peer-joined} for the differences; {@code peer-left} only in the last of the passes presence
   * runs, whose body is {@value #REASSERT_LAST_PASS}, else no body).
   */
  public static final String OP_REASSERT = "reassert";
  /** Body of the {@value #OP_REASSERT} of presence's last pass after a change in the cluster. */
  public static final String REASSERT_LAST_PASS = "last";
  /**
   * {@value #HEADER_OP} value, from presence after a merge: another connection holds this session's peer id (the
   * same id was claimed on both sides of a partition, and the other claim is the one the merged cluster kept).
   * The session is closed with 4101 and cleans up only what is still its own.
   */
  public static final String OP_ID_LOST = "id-lost";
  /**
   * {@value #HEADER_OP} value, on a message to a node's relay ({@link #node}, no {@value #HEADER_TO}): a frame from
   * one of that node's peers was not delivered (its recipient had been told the sender left). Body: the
   * {@code error} frame for the sender; headers {@value #HEADER_PEER} (the sender) and {@value #HEADER_ROOM}. The
   * relay passes it on to the sender's current connection, if it still has one there, and replies (no body): a
   * request unanswered is sent again.
   */
  public static final String OP_UNDELIVERED = "undelivered";
  /**
   * {@value #HEADER_OP} value, a request to a node's relay ({@link #node}, no body): answered at once with the node's
   * id. Presence asks it after a merge, before it tells peers of each other: it shows that messages cross.
   */
  public static final String OP_NODE_PING = "node-ping";
  /** Header on {@value #OP_UNDELIVERED} messages: the peer id the error is for. */
  public static final String HEADER_PEER = "peer";
  /**
   * Local, publish, from presence: this node's Hazelcast member merged into another cluster after a partition or a
   * stall ({@code {"event":"merged"}}). The router drops its cached room states (their versions may come from the
   * side whose data the merge discarded) and fetches them again as messages need them.
   */
  public static final String CLUSTER_CHANGED = "signalhub.cluster.changed";

  /**
   * Cluster, point-to-point: a stopping node asks another node to adopt one of its resumable peers (see
   * {@code Session.adopt}). Body {@code {"peer","room","tokenHash","graceMs","reason"}}; reply {@code {}} once the
   * adopting node holds the peer's id, frames and room seat. Every ws-ingress consumes it until it stops.
   */
  public static final String PEER_ADOPT = "signalhub.peer.adopt";
  /**
   * Header on frames a router or presence delivers to {@code peer.<id>.<epoch>}: the sender's id (one router and
   * one presence per node).
   */
  public static final String HEADER_VIA = "via";
  /**
   * Header on frames a router delivers: its sequence number, one counter per router (with the router's id in
   * {@value #HEADER_VIA}), increasing in the order it sends. A session drops a frame whose number is not above the
   * last one it took from that router for the same sender: a stale copy, such as what a TCP connection between two nodes that was cut
   * by a partition still delivers after the heal, behind newer frames sent over a new connection.
   */
  public static final String HEADER_ROUTE_SEQ = "rs";
  /** Header on frames a taken-over connection forwards to the connection that resumed its session. */
  public static final String HEADER_FORWARDED = "fwd";

  /**
   * Local, fire-and-forget, from ws-ingress to the router: one signaling message from a peer. Body: an
   * {@link io.signalhub.protocol.Envelope} (sent with its local codec, never copied or serialized).
   */
  public static final String ROUTE = "signalhub.router.route";

  /**
   * Local request to the room-registry: {@code {"room","peer","node","epoch","resumeFrom"?:<session>}}, or, from a
   * session re-asserting its seat after a change in the cluster ({@link #OP_REASSERT}),
   * {@code {"room","peer","node","epoch","reassert":true,"floor":<the newest room version its client was told>}}
   * (no capacity check and no application hook: the seat is put back, taking it from another session of the same
   * peer id, since this one holds the id; the room's version is raised above {@code floor}). Reply
   * {@code {"room","gen","version","members":{"<peer>":"<node>/<epoch>",...},"resumed":bool}} (members in join
   * order, the joiner included; {@code resumed} when the peer was a member as {@code resumeFrom}, whose seat this
   * connection took: a resume, published as a {@code resumed} room event, not {@code joined}); fails with
   * {@code room-full} or {@code too-many-rooms}.
   */
  public static final String ROOM_JOIN = "signalhub.room.join";

  /**
   * Local request to the room-registry: {@code {"room","peer","reason","epoch"?}}; with {@code epoch}, only that
   * connection of this node leaves (not one that resumed the peer's session since). Reply {@code {"removed":bool}}
   * (whether the room became empty and was removed). Leaving a room one is not in succeeds.
   */
  public static final String ROOM_LEAVE = "signalhub.room.leave";

  /**
   * Local request to the room-registry: {@code {"room"}}. Reply: the room as in {@link #ROOM_JOIN}'s reply,
   * or {@code null} when the room does not exist.
   */
  public static final String ROOM_GET = "signalhub.room.get";

  /**
   * Local request to the room-registry: {@code {"after"?, "limit"}}, a page of the cluster's rooms in name order
   * (names after {@code after}). Reply {@code {"rooms":[{"room","members":{<peer>:<session>,...}},...]}}.
   */
  public static final String ROOM_LIST = "signalhub.room.list";

  /**
   * Local request to the room-registry: {@code {}}. Removes from every room the peers of nodes that are no
   * longer cluster members, publishing a {@code left} event (reason {@code node-failed}) for each. Reply
   * {@code {"evicted":n}}. Sent by presence when a member leaves the cluster and periodically.
   */
  public static final String ROOM_EVICT = "signalhub.room.evict";

  /**
   * Cluster, publish, from the room-registry that handled a join or leave:
   * {@code {"event":"joined"|"left"|"resumed","room","peer","node","reason"?,"previous"?,"gen","version","members":{...}}}
   * with the members after the change ({@code previous}: the session whose seat a {@code joined} or {@code resumed}
   * peer took). Consumed by every node's router (its room cache), presence (which tells its own peers of the room
   * {@code peer-joined} / {@code peer-left}) and room-registry (its count of rooms per node).
   */
  public static final String ROOM_EVENTS = "signalhub.room.events";

  /**
   * Local request to presence: {@code {"peer","node","epoch","tokenHash","resumeHash"?}} claims a peer id
   * cluster-wide for a connection, resumable with the token of {@code tokenHash}; with a {@code resumeHash}
   * matching the holder's, the connection takes the claim over; without it, it replaces a suspended holder (unless
   * {@code "adopt":true}, a node adopting a peer, which only takes the claim over). Reply
   * {@code {}}, {@code {"resumedFrom":<session>}} or {@code {"replaced":<session>}}; fails with {@code id-taken}.
   */
  public static final String PRESENCE_CONNECT = "signalhub.presence.connect";

  /**
   * Local, fire-and-forget, to presence: {@code {"peer","node","epoch"}} marks a connection's claim suspended
   * (its link dropped), so a reconnect without the resume token replaces it instead of getting {@code id-taken}.
   */
  public static final String PRESENCE_SUSPEND = "signalhub.presence.suspend";

  /**
   * Cluster, publish: a y-webrtc {@code publish} (docs/protocol.md, "y-webrtc") for every hub node; each ws-ingress
   * instance consumes it and writes it to its subscribers of the topic in header {@code topic}. Body: a
   * {@code String}, the frame as the hub will send it, without {@code clients} (each instance adds its own count).
   */
  public static final String YJS_PUBLISH = "signalhub.yjs.publish";

  /**
   * Local request to presence: {@code {"peer"}}, reply {@code {"claim":<stored claim>}} ({@code <session>|<token
   * hash>}, then {@code |s} when suspended: see {@code PeerDirectory.value}) or {@code {}} when no connection holds
   * the id. The PeerJS endpoint routes by it: PeerJS peers are in no room (docs/protocol.md, "PeerJS").
   */
  public static final String PRESENCE_LOOKUP = "signalhub.presence.lookup";

  /** Local, fire-and-forget, to presence: {@code {"peer","node","epoch"}} releases the claim of a closed connection. */
  public static final String PRESENCE_DISCONNECT = "signalhub.presence.disconnect";

  /**
   * Lifecycle, local publish, only with {@link HubOptions#isPublishLifecycleEvents()} (each node publishes its
   * own peers' events; consume on every node to see all): a peer was added to a room,
   * {@code {"peer","room","node","members":n}} ({@code members} after the join). The Go hub's {@code Register}
   * channel (seed 004); the typed, vetoable form is {@link HubEvent}.
   */
  public static final String LIFECYCLE_REGISTER = "signalhub.lifecycle.register";

  /**
   * Lifecycle, local publish by the sender's node, only with {@link HubOptions#isPublishLifecycleEvents()}: a
   * signaling message was delivered, {@code {"type","room","from","to"?,"recipients":n,"length":n}} ({@code to}
   * absent for a room broadcast; length of the forwarded frame in UTF-8 bytes; never the SDP itself; not for a
   * message held for an absent peer). The Go hub's {@code Broadcast} channel (seed 004); the typed, vetoable
   * form is {@link HubEvent}.
   */
  public static final String LIFECYCLE_BROADCAST = "signalhub.lifecycle.broadcast";

  /**
   * Lifecycle, local publish, only with {@link HubOptions#isPublishLifecycleEvents()}: a peer was removed from a
   * room, {@code {"peer","room","node","reason","roomRemoved":bool}}. The Go hub's {@code Unregister} channel
   * (seed 004), including its clean-up of empty rooms; the typed form is {@link HubEvent}.
   */
  public static final String LIFECYCLE_UNREGISTER = "signalhub.lifecycle.unregister";

  private Addresses() {
  }

  /**
   * The address of a peer's connection: {@code peer.<id>.<epoch>}; {@code id} and {@code epoch} must be
   * valid ids ({@link io.signalhub.protocol.Ids}: no dots).
   */
  public static String peer(String id, String epoch) {
    return PEER_PREFIX + id + "." + epoch;
  }

  /**
   * Cluster, point-to-point: {@code signalhub.node.<node id>}, the relay of one node (one consumer per node,
   * registered by presence): a message with header {@value #HEADER_TO} is passed on to that local
   * {@code peer.<id>.<epoch>} address, replies and failures passed back.
   */
  public static String node(String nodeId) {
    return "signalhub.node." + nodeId;
  }

  /** Header on messages to a node's relay ({@link #node}): the local address to pass them on to. */
  public static final String HEADER_TO = "to-address";
}
