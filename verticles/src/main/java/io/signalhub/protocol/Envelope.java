package io.signalhub.protocol;

/**
 * The hub's one internal form of a signaling message, handed from ws-ingress to the router on the same
 * node. {@code room} and {@code from} come from the sender's session, never from the frame, and
 * {@code replyTo} is the sender's own address (for error frames); {@code to} is
 * {@code null} for a message to the whole room. {@code members} is the text of the frame's other members
 * ({@link Inbound.Signal#members()}: {@code data} as the client wrote it, never parsed), behind
 * which the router writes {@code type}, {@code from}, {@code room} and {@code to} ({@link Frames#routed}).
 *
 * <p>{@code roomGen} and {@code roomVersion} are the newest state of the room the sender has been told
 * of (its {@code welcome}, then each {@code peer-joined} / {@code peer-left}): the router routes with a
 * room state at least that new, so a peer the sender knows has joined is never missed by a broadcast.
 * {@code receivedAtMicros} is when the frame arrived (epoch microseconds), for the forward latency metric.
 */
public record Envelope(String type, String room, String from, String replyTo, String to, String members,
                       String roomGen, long roomVersion, long receivedAtMicros) {
}
