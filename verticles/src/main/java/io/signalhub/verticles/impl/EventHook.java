package io.signalhub.verticles.impl;

import io.signalhub.verticles.HubEvent;
import io.signalhub.verticles.HubOptions;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.internal.ContextInternal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedding application's {@link HubEvent} handler as one verticle uses it: asks it (REGISTER, BROADCAST)
 * with a deadline, or tells it (UNREGISTER). A verticle without a handler has no hook ({@link #of} gives
 * {@code null}) and builds no event.
 */
public final class EventHook {

  private static final Logger LOG = LoggerFactory.getLogger(EventHook.class);

  private final Handler<HubEvent> handler;
  private final ContextInternal context;
  private final long timeoutMs;

  private EventHook(Handler<HubEvent> handler, ContextInternal context, long timeoutMs) {
    this.handler = handler;
    this.context = context;
    this.timeoutMs = timeoutMs;
  }

  /**
   * The hook of a verticle running on {@code context}, or {@code null} without a handler. The handler has half
   * of {@link HubOptions#getRequestTimeoutMs()} to decide, so that a refused join still reaches the client as
   * {@code join-refused} within its join request's time-out.
   */
  public static EventHook of(Handler<HubEvent> handler, Context context, HubOptions options) {
    return handler == null ? null : new EventHook(handler, (ContextInternal) context, options.getRequestTimeoutMs() / 2);
  }

  /** A promise for a new event: its listeners run on the verticle's context, whoever completes it. */
  public Promise<Boolean> promise() {
    return context.promise();
  }

  /**
   * Asks the handler about {@code event}. The future completes on the verticle's context, at once if the
   * handler decided at once; read it with {@link #accepted}. Not decided within the deadline: refused.
   */
  public Future<Boolean> ask(HubEventImpl event) {
    try {
      handler.handle(event);
    } catch (Throwable t) {
      LOG.error("the hub event handler threw on {}; refused", event, t);
      event.tryComplete(false);
    }
    Future<Boolean> decision = event.future();
    if (!decision.isComplete()) {
      long timer = context.setTimer(timeoutMs, id -> {
        if (event.tryComplete(false)) {
          LOG.warn("the hub event handler did not decide on {} within {} ms; refused", event, timeoutMs);
        }
      });
      decision.onComplete(ar -> context.owner().cancelTimer(timer));
    }
    return decision;
  }

  /** Whether a decision lets the join or the message through: completed with {@code true}. */
  public static boolean accepted(AsyncResult<Boolean> decision) {
    return decision.succeeded() && Boolean.TRUE.equals(decision.result());
  }

  /** Tells the handler about an observe-only event; whatever it does with the promise is ignored. */
  public void tell(HubEventImpl event) {
    try {
      handler.handle(event);
    } catch (Throwable t) {
      LOG.error("the hub event handler threw on {}", event, t);
    }
  }
}
