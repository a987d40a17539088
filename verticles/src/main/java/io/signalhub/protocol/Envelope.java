package io.signalhub.protocol;

import io.vertx.core.json.JsonObject;

/**
 * The hub's one internal form of a signaling message, handed from ws-ingress to the router on the same
 * node. {@code room} and {@code from} come from the sender's session, never from the frame, and
 * {@code replyTo} is the sender's own address (for error frames); {@code to} is
 * {@code null} for a message to the whole room. {@code frame} is the client's decoded JSON object, whose
 * {@code data} the hub never looks into; ownership passes to the router, which stamps {@code from} and
 * {@code room} into it and encodes it once.
 *
 * <p>{@code roomGen} and {@code roomVersion} are the newest state of the room the sender has been told
 * of (its {@code welcome}, then each {@code peer-joined} / {@code peer-left}): the router routes with a
 * room state at least that new, so a peer the sender knows has joined is never missed by a broadcast.
 * {@code receivedAtMicros} is when the frame arrived (epoch microseconds), for the forward latency metric.
 */
public record Envelope(String type, String room, String from, String replyTo, String to, JsonObject frame,
                       String roomGen, long roomVersion, long receivedAtMicros) {
}
