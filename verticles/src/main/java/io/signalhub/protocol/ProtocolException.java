package io.signalhub.protocol;

/**
 * A client frame or request the hub refuses; turned into an {@code error} frame with {@link #code()}.
 * Also the failure of an event-bus request between verticles, carried as
 * {@link io.vertx.core.eventbus.ReplyException} with the code as its message.
 */
public class ProtocolException extends RuntimeException {

  private final ErrorCode code;

  public ProtocolException(ErrorCode code, String message) {
    super(message, null, false, false);
    this.code = code;
  }

  /** The error code sent to the client. */
  public ErrorCode code() {
    return code;
  }
}
