package io.signalhub.protocol;

/**
 * WebSocket close codes the hub uses (RFC 6455 section 7.4; 4000-4999 are private-use codes).
 * Each is listed in {@code docs/protocol.md}.
 */
public final class CloseCodes {
  /** Normal closure (RFC 6455). */
  public static final short NORMAL = 1000;
  /** Going away: the node is stopping; its peers are removed from their rooms at once (RFC 6455). */
  public static final short GOING_AWAY = 1001;
  /** Policy violation: authentication refused (RFC 6455). */
  public static final short POLICY_VIOLATION = 1008;
  /** Message too big: a frame or message over {@code maxFrameBytes} (RFC 6455). */
  public static final short MESSAGE_TOO_BIG = 1009;
  /** Try again later: the client read too slowly and its outbound queue overflowed (RFC 6455, IANA registry). */
  public static final short TRY_AGAIN_LATER = 1013;
  /** Internal error on the hub (RFC 6455). */
  public static final short INTERNAL_ERROR = 1011;
  /** The session was resumed by another connection of the same peer (with its resume token) (private use). */
  public static final short SESSION_TAKEN_OVER = 4001;
  /** Idle time-out: no frame and no pong for {@code idleTimeoutMs} (private use). */
  public static final short IDLE_TIMEOUT = 4000;
  /** Removed by the operator through the admin API: do not reconnect (private use). */
  public static final short REMOVED = 4100;

  private CloseCodes() {
  }
}
