package io.signalhub.verticles.impl;

import io.signalhub.verticles.HubOptions;

/**
 * The rate limit of one {@link Connection}'s inbound frames (docs/protocol.md, "Error codes": {@code rate-limited}):
 * a token bucket of {@link HubOptions#getRateLimitPerSecond()} refilled per second, holding at most
 * {@link HubOptions#getRateLimitBurst()}. A frame over it is dropped, said once per run of drops
 * ({@link Verdict#DROP_AND_SAY}); a run of as many drops as the burst closes the connection with 1008
 * ({@link Verdict#CLOSE}). The connection acts on the verdict.
 *
 * <p>No states but the bucket's level and the length of the current run of drops. No allocation per frame.
 * Confined to the socket's context.
 */
final class RateLimit {

  /** What to do with a frame. */
  enum Verdict {
    /** Within the limit: handle it. */
    PASS,
    /** The first frame over the limit: drop it and send {@code rate-limited}. */
    DROP_AND_SAY,
    /** Over the limit, already said: drop it. */
    DROP,
    /** As many frames over the limit in a row as the burst: drop it and close with 1008. */
    CLOSE
  }

  private final int perSecond;
  private final int burst;
  private double tokens;
  private long refilledAt;
  /** Frames dropped since the last one that passed. */
  private int dropped;

  RateLimit(int perSecond, int burst, long nowNanos) {
    this.perSecond = perSecond;
    this.burst = burst;
    this.tokens = burst;
    this.refilledAt = nowNanos;
  }

  RateLimit(HubOptions options) {
    this(options.getRateLimitPerSecond(), options.getRateLimitBurst(), System.nanoTime());
  }

  /** Takes a token for a frame that arrived at {@code nowNanos} ({@link System#nanoTime()}). */
  Verdict take(long nowNanos) {
    tokens = Math.min(burst, tokens + (nowNanos - refilledAt) * perSecond / 1_000_000_000.0);
    refilledAt = nowNanos;
    if (tokens >= 1) {
      tokens -= 1;
      dropped = 0;
      return Verdict.PASS;
    }
    if (dropped++ == 0) {
      return Verdict.DROP_AND_SAY;
    }
    return dropped >= burst ? Verdict.CLOSE : Verdict.DROP;
  }
}
