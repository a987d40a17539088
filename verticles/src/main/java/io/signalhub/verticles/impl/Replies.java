package io.signalhub.verticles.impl;

import io.signalhub.protocol.ErrorCode;
import io.signalhub.protocol.ProtocolException;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries {@link ErrorCode}s over event-bus replies: the replier fails with the code as message, the
 * requester turns any failure (including a time-out or no handler) back into a {@link ProtocolException}.
 */
public final class Replies {

  /** Failure code of a reply that carries an {@link ErrorCode}. */
  public static final int PROTOCOL_FAILURE = 400;
  /** Failure code of a reply whose handler failed unexpectedly. */
  public static final int INTERNAL_FAILURE = 500;
  private static final Logger LOG = LoggerFactory.getLogger(Replies.class);

  private Replies() {
  }

  /**
   * Fails {@code msg} with {@code t}: its error code if it is a {@link ProtocolException}, else internal (logged
   * as a warning with its cause: the client only sees {@code unavailable}).
   */
  public static void fail(Message<?> msg, Throwable t) {
    if (t instanceof ProtocolException pe) {
      msg.fail(PROTOCOL_FAILURE, pe.code().code());
    } else {
      LOG.warn("request to {} failed: {}", msg.address(), t.toString(), t);
      msg.fail(INTERNAL_FAILURE, String.valueOf(t.getMessage()));
    }
  }

  /** Whether {@code t} is a refusal by the replier (an {@link ErrorCode}), not a time-out or internal failure. */
  public static boolean isRefusal(Throwable t) {
    return t instanceof ProtocolException || (t instanceof ReplyException re
      && re.failureType() == ReplyFailure.RECIPIENT_FAILURE && re.failureCode() == PROTOCOL_FAILURE);
  }

  /** The {@link ProtocolException} a requester reports for the failure {@code t} of a request. */
  public static ProtocolException toProtocol(Throwable t) {
    if (t instanceof ProtocolException pe) {
      return pe;
    }
    if (t instanceof ReplyException re && re.failureType() == ReplyFailure.RECIPIENT_FAILURE
      && re.failureCode() == PROTOCOL_FAILURE) {
      ErrorCode code = ErrorCode.fromCode(re.getMessage());
      return new ProtocolException(code, describe(code));
    }
    return new ProtocolException(ErrorCode.UNAVAILABLE, "the hub could not complete the request, retry");
  }

  private static String describe(ErrorCode code) {
    return switch (code) {
      case ROOM_FULL -> "the room is full";
      case ID_TAKEN -> "another connection already uses this peer id";
      case JOIN_REFUSED -> "the application refused this join";
      default -> code.code();
    };
  }
}
