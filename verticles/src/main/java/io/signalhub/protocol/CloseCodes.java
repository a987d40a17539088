package io.signalhub.protocol;

/**
 * WebSocket close codes the hub uses (RFC 6455 section 7.4; 4000-4999 are private-use codes), each listed in
 * {@code docs/protocol.md} ("WebSocket close codes") with what a client does: its private codes come in two
 * ranges, <b>4000-4099: reconnect</b> (with backoff, resuming with the resume token where it has one) and
 * <b>4100-4199: do not reconnect</b> (as the same peer: the operator or another connection decided); of the
 * standard codes, 1001, 1011 and 1013 mean reconnect, 1008 and 1009 do not retry as is.
 */
public final class CloseCodes {
  /** Normal closure (RFC 6455). */
  public static final short NORMAL = 1000;
  /** Going away: the node is stopping; its peers are removed from their rooms at once (RFC 6455). */
  public static final short GOING_AWAY = 1001;
  /** Policy violation: refused (authentication, a malformed URL): do not retry as is (RFC 6455). */
  public static final short POLICY_VIOLATION = 1008;
  /** Message too big: a frame or message over {@code maxFrameBytes} (RFC 6455). */
  public static final short MESSAGE_TOO_BIG = 1009;
  /** Try again later: the client read too slowly and its outbound queue overflowed (RFC 6455, IANA registry). */
  public static final short TRY_AGAIN_LATER = 1013;
  /** Internal error on the hub (RFC 6455). */
  public static final short INTERNAL_ERROR = 1011;
  /** Idle time-out: no frame and no pong for {@code idleTimeoutMs}: reconnect and resume (private use). */
  public static final short IDLE_TIMEOUT = 4000;
  /** No room joined within {@code joinTimeoutMs} of connecting: reconnect (private use). */
  public static final short JOIN_TIMEOUT = 4002;
  /** A flood past the rate limit: reconnect after a backoff (private use). */
  public static final short RATE_LIMITED = 4003;
  /**
   * The session was resumed by another connection of the same peer (with its resume token), or another connection
   * holds the peer id after a cluster merge: do not reconnect (private use).
   */
  public static final short SESSION_TAKEN_OVER = 4101;
  /** Removed by the operator through the admin API: do not reconnect (private use). */
  public static final short REMOVED = 4100;

  private CloseCodes() {
  }
}
