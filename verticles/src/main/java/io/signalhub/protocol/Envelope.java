package io.signalhub.protocol;

import io.vertx.core.json.JsonObject;

/**
 * The hub's one internal form of a signaling message, handed from ws-ingress to the router on the same
 * node. {@code room} and {@code from} come from the sender's session, never from the frame; {@code to} is
 * {@code null} for a message to the whole room. {@code frame} is the client's decoded JSON object, whose
 * {@code data} the hub never looks into; ownership passes to the router, which stamps {@code from} and
 * {@code room} into it and encodes it once.
 */
public record Envelope(String type, String room, String from, String to, JsonObject frame) {
}
