package io.signalhub.verticles.impl;

import io.signalhub.protocol.Envelope;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageCodec;

/**
 * Local-only codec for {@link Envelope}: hands the instance over as is (no copy, no serialization). An
 * envelope never leaves its node; sending one to a remote consumer fails.
 */
public final class EnvelopeCodec implements MessageCodec<Envelope, Envelope> {

  /** Codec name, registered once per {@link Vertx}. */
  public static final String NAME = "signalhub.envelope";

  /** Delivery options for sending an envelope to {@link io.signalhub.verticles.Addresses#ROUTE}. */
  public static final DeliveryOptions DELIVERY = new DeliveryOptions().setCodecName(NAME).setLocalOnly(true);

  /** Registers the codec on {@code vertx}'s event bus unless it already is (every verticle calls this). */
  public static synchronized void register(Vertx vertx) {
    try {
      vertx.eventBus().registerCodec(new EnvelopeCodec());
    } catch (IllegalStateException alreadyRegistered) {
      // registered by another verticle of this Vertx
    }
  }

  @Override
  public void encodeToWire(Buffer buffer, Envelope envelope) {
    throw new UnsupportedOperationException("an Envelope is local to its node");
  }

  @Override
  public Envelope decodeFromWire(int pos, Buffer buffer) {
    throw new UnsupportedOperationException("an Envelope is local to its node");
  }

  @Override
  public Envelope transform(Envelope envelope) {
    return envelope;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }
}
