/**
 * The hub's internals: one {@link io.signalhub.verticles.impl.Session} per peer connection, and the stores,
 * directories and helpers behind the verticles.
 *
 * <h2>Where a frame goes</h2>
 *
 * <p>A session's jobs, one class each: {@link io.signalhub.verticles.impl.Connection} (the WebSocket),
 * {@link io.signalhub.verticles.impl.Opening} (its authentication and dialect detection),
 * {@link io.signalhub.verticles.impl.RateLimit}, {@link io.signalhub.verticles.impl.Session} (the peer, its state,
 * frames in), {@link io.signalhub.verticles.impl.JoinFlow} (the way in), {@link io.signalhub.verticles.impl.PeerInbox}
 * (frames out), {@link io.signalhub.verticles.impl.Departure} (the way out), {@link io.signalhub.verticles.impl.Handover}
 * (resume), {@link io.signalhub.verticles.impl.ReplayLog}, {@link io.signalhub.verticles.impl.NodeDrain},
 * {@link io.signalhub.verticles.impl.Roster} (what the client was told of its room) and
 * {@link io.signalhub.verticles.impl.Reassertion} (after a partition, a stall or a merge).
 *
 * <p><b>Frame in</b> (client to hub), all on the socket's context:
 * <pre>
 * ServerWebSocket text frame
 *   -> Connection.onText          rate limit: RateLimit.take (over it: rate-limited, then close 4003)
 *        AUTHENTICATING -> Opening.onAuthFrame          (first frame {"type":"auth","token"})
 *        DETECTING      -> Opening.detect               (Dialects.detect; an MDN first frame waits for the URL's join)
 *   -> Connection.handle          Dialect.decode (the streaming parse; error frame if malformed)
 *   -> Session.onInbound(Inbound)
 *        Signal      -> event bus Addresses.ROUTE (Envelope, EnvelopeCodec) -> RouterVerticle.route
 *        InRoom      -> Session.enter: in that room, as Signal; in none, JoinFlow.start with the signal, routed
 *                       right after welcome (Private Meet frames naming their room, seed 001)
 *        Join, Hello -> Session.join -> JoinFlow.start -> run: JoinGate, claim (presence, registers the consumer
 *                       of peer.&lt;id&gt;.&lt;epoch&gt;, Handover.takeOver on a resume), Addresses.ROOM_JOIN
 *                       -> JoinFlow.completed: welcome, handed-over frames, held frames -> Connection.joined
 *        Leave       -> Session.leave -> Addresses.ROOM_LEAVE, then Dialect.left
 * </pre>
 *
 * <p><b>Frame out</b> (hub to client):
 * <pre>
 * RouterVerticle.send, HeldMessages.flush / presence / another session of the peer (Member.send; from another
 * node through that node's relay signalhub.node.&lt;node&gt;, Member.relay)
 *   -> local consumer of peer.&lt;id&gt;.&lt;epoch&gt; (registered in JoinFlow.claim)
 *   -> PeerInbox.onPeerMessage
 *        OP_REPLACE, OP_HANDOVER -> Handover.answer (-> Handover.handOver)
 *        Handover.screen         -> forwarded (handed over), a fence taken, or held behind a fence
 *                                   (Handover.releaseFenced -> PeerInbox.onPeerMessage again)
 *   -> PeerInbox.accept
 *        OP_REASSERT, OP_ID_LOST -> Reassertion.onOp (seat re-asserted, Roster.reconcile -> PeerInbox.announce; or 4101)
 *        PeerInbox.screen        -> Roster.onNotice (a stale or repeated peer-joined/peer-left is not written); a frame
 *                                   from a peer the client was told had left -> Reassertion.undelivered (expired to
 *                                   its sender through its node's relay, OP_UNDELIVERED)
 *        suspended or parked     -> ReplayLog.keep (over the hold bounds: Departure.leaveSuspended)
 *        OP_PING                 -> Connection.heartbeat (idle: close 4000, else a ping)
 *        the room being joined   -> JoinFlow.hold (written after welcome by PeerInbox.write)
 *        another room            -> dropped
 *   -> PeerInbox.write            latency metric, room state (gen:version) noted
 *   -> PeerInbox.deliver          Dialect.render; numbering dialects: ReplayLog.remember, Dialect.withSeq
 *   -> Connection.write           full outbound queue: close 1013; else ServerWebSocket.writeTextMessage
 *      (ReplayLog.needsAckPing -> Connection.ping; its pong: Connection's pong handler -> PeerInbox.onPong
 *       -> ReplayLog.pong)
 * </pre>
 *
 * <p><b>A signaling message</b> (one node's router; one job each: {@link io.signalhub.verticles.RouterVerticle}
 * routes, {@link io.signalhub.verticles.impl.RoomView} knows the rooms, {@link io.signalhub.verticles.impl.HeldMessages}
 * holds for absent peers), all on the router's context:
 * <pre>
 * Addresses.ROUTE -> RouterVerticle.route
 *   -> RoomView.waitForFetch      a fetch of the room under way: waits behind it
 *   -> RoomView.room              cached state too old, or recipient unknown: RoomView.fetchThenRoute
 *                                 (Addresses.ROOM_GET; then each waiting message -> RouterVerticle.deliver)
 *   -> RouterVerticle.deliver     with a hook: decide/ask (BROADCAST), the sender's later messages wait
 *   -> RouterVerticle.send        to itself, or absent with holding off: not-in-room
 *        absent, alone (holding) -> HeldMessages.hold (bounds hit, or HeldMessages.expire: expired)
 *        to one peer             -> HeldMessages.flush (held first), Member.send
 *        to the room             -> Member.send to each other member
 * Addresses.ROOM_EVENTS -> RouterVerticle.roomEvent -> RoomView.onEvent (changed session: RouterVerticle.fenceMoves);
 *   joined/resumed: HeldMessages.flush; left: HeldMessages.dropFrom
 * </pre>
 *
 * <p><b>After a change in the cluster</b> (this member merged after a partition or a stall, a departed node is back,
 * or data was lost): {@link io.signalhub.verticles.impl.MembershipWatch} -> PresenceVerticle re-asserts each local
 * peer's id claim (PeerDirectory.reassert) in three passes -> OP_REASSERT to the session -> Addresses.ROOM_JOIN with
 * {@code reassert} (RoomStore.reassert, version above what the client saw) -> Roster.reconcile; a lost claim ->
 * OP_ID_LOST -> close 4101. A merge also clears the router's RoomView (Addresses.CLUSTER_CHANGED).
 *
 * <p>docs/protocol.md: "Delivery contract", "Partitions, stalls and merges", "Resume".
 */
package io.signalhub.verticles.impl;
