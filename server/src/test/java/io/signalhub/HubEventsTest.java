package io.signalhub;

import io.signalhub.HubServerOptions;
import io.signalhub.verticles.Addresses;
import io.signalhub.verticles.HubEvent;
import io.signalhub.verticles.HubOptions;
import io.signalhub.verticles.impl.Nodes;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Checkpoint;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The typed, vetoable lifecycle events ({@link HubEvent}) and the opt-in JSON publication, through real WebSockets. */
@ExtendWith(VertxExtension.class)
class HubEventsTest {

  private Vertx vertx;
  private SignalingHub hub;
  private int port;

  private void start(Vertx vertx, HubOptions options, Handler<HubEvent> handler) throws Exception {
    this.vertx = vertx;
    hub = SignalingHub.create(vertx, options.setAnonymous(true)).eventHandler(handler);
    hub.deploy(new HubServerOptions().setPort(0)).await(20, TimeUnit.SECONDS);
    port = hub.actualPort();
  }

  @AfterEach
  void stop() throws Exception {
    if (hub != null) {
      hub.undeploy().await(20, TimeUnit.SECONDS);
    }
  }

  private JsonObject room(String room) throws Exception {
    return vertx.eventBus().<JsonObject>request(Addresses.ROOM_GET, new JsonObject().put("room", room),
      new DeliveryOptions().setSendTimeout(5000)).await(10, TimeUnit.SECONDS).body();
  }

  @Test
  void aRefusedJoinGetsJoinRefusedAndTheRoomNeverHasThePeer(Vertx vertx) throws Exception {
    start(vertx, new HubOptions(), event -> {
      switch (event.type()) {
        case REGISTER -> event.complete(!(event.peer().equals("mallory") && event.room().equals("r")));
        case BROADCAST -> event.complete(true);
        case UNREGISTER -> { }
      }
    });
    try (TestPeer a = TestPeer.join(vertx, port, "r", "a");
         TestPeer mallory = TestPeer.connect(vertx, port, "/ws?roomId=r&ClientId=mallory")) {
      JsonObject refused = mallory.next("error");
      assertEquals("join-refused", refused.getJsonObject("data").getString("code"), refused.encode());
      assertEquals("join", refused.getJsonObject("data").getString("type"));
      assertNotNull(refused.getJsonObject("data").getString("message"));
      assertEquals(java.util.Set.of("a"), room("r").getJsonObject("members").fieldNames(), "the room holds a only");

      // the room was told nothing: the next thing a hears of is b
      try (TestPeer b = TestPeer.join(vertx, port, "r", "b")) {
        assertEquals("b", a.next("peer-joined").getJsonObject("data").getString("id"));
      }
      // the refused connection stays open, in no room, and may join where it is let in
      mallory.send(new JsonObject().put("type", "join").put("room", "elsewhere"));
      JsonObject welcome = mallory.next("welcome");
      assertEquals("mallory", welcome.getJsonObject("data").getString("id"));
      assertEquals(new JsonArray(), welcome.getJsonObject("data").getJsonArray("peers"));
    }
  }

  @Test
  void aThrowingOrSilentHandlerRefuses(Vertx vertx) throws Exception {
    start(vertx, new HubOptions().setRequestTimeoutMs(1000), event -> {
      if (event.type() == HubEvent.Type.REGISTER && event.peer().equals("thrower")) {
        throw new IllegalStateException("a bug in the application's rule");
      }
      if (event.type() == HubEvent.Type.BROADCAST && "answer".equals(event.messageType())) {
        return; // never decides: refused after half of requestTimeoutMs
      }
      event.complete(true);
    });
    try (TestPeer thrower = TestPeer.connect(vertx, port, "/ws?roomId=r&ClientId=thrower")) {
      assertEquals("join-refused", thrower.next("error").getJsonObject("data").getString("code"));
    }
    try (TestPeer a = TestPeer.join(vertx, port, "r", "a"); TestPeer b = TestPeer.join(vertx, port, "r", "b")) {
      a.next("peer-joined");
      a.send(new JsonObject().put("type", "answer").put("to", "b").put("data", new JsonObject().put("sdp", "v=0")));
      a.send(TestPeer.offer("b", "after"));
      JsonObject refused = a.next("error");
      assertEquals("message-refused", refused.getJsonObject("data").getString("code"), refused.encode());
      assertEquals("answer", refused.getJsonObject("data").getString("type"));
      assertEquals("b", refused.getJsonObject("data").getString("to"));
      assertEquals("after", b.next("offer").getJsonObject("data").getString("sdp"), "the refused answer never reaches b");
    }
  }

  @Test
  void aRefusedMessageReachesNoOneAndItsSenderIsTold(Vertx vertx) throws Exception {
    start(vertx, new HubOptions(), event -> {
      switch (event.type()) {
        case REGISTER -> event.complete(true);
        case BROADCAST -> event.complete(event.length() <= 1000); // moderation: no large frames
        case UNREGISTER -> { }
      }
    });
    try (TestPeer a = TestPeer.join(vertx, port, "r", "a");
         TestPeer b = TestPeer.join(vertx, port, "r", "b");
         TestPeer c = TestPeer.join(vertx, port, "r", "c")) {
      a.next("peer-joined");
      a.next("peer-joined");
      b.next("peer-joined");
      a.send(TestPeer.offer("b", "x".repeat(2000)));
      a.send(new JsonObject().put("type", "ice-candidate").put("data", new JsonObject().put("candidate", "y".repeat(2000))));
      a.send(TestPeer.offer("b", "small"));
      a.send(new JsonObject().put("type", "ice-candidate").put("data", new JsonObject().put("candidate", "small")));

      JsonObject toB = a.next("error");
      assertEquals("message-refused", toB.getJsonObject("data").getString("code"));
      assertEquals("offer", toB.getJsonObject("data").getString("type"));
      assertEquals("b", toB.getJsonObject("data").getString("to"));
      JsonObject toRoom = a.next("error");
      assertEquals("message-refused", toRoom.getJsonObject("data").getString("code"));
      assertEquals("ice-candidate", toRoom.getJsonObject("data").getString("type"));
      assertNull(toRoom.getJsonObject("data").getString("to"));

      // what b and c get first is what was let through: nothing refused came before it
      assertEquals("small", b.next("offer").getJsonObject("data").getString("sdp"));
      assertEquals("small", b.next("ice-candidate").getJsonObject("data").getString("candidate"));
      assertEquals("small", c.next("ice-candidate").getJsonObject("data").getString("candidate"));
    }
  }

  @Test
  void aSendersMessagesKeepTheirOrderWhileOneAwaitsItsDecision(Vertx vertx) throws Exception {
    start(vertx, new HubOptions(), event -> {
      if (event.type() == HubEvent.Type.BROADCAST && "offer".equals(event.messageType())) {
        vertx.setTimer(200, t -> event.complete(true)); // decided later, from a timer
      } else {
        event.complete(true);
      }
    });
    try (TestPeer a = TestPeer.join(vertx, port, "r", "a"); TestPeer b = TestPeer.join(vertx, port, "r", "b")) {
      a.next("peer-joined");
      a.sendNoWait(TestPeer.offer("b", "v=0"));
      for (int i = 0; i < 20; i++) {
        a.sendNoWait(new JsonObject().put("type", "ice-candidate").put("to", "b").put("data", new JsonObject().put("n", i)));
      }
      assertEquals("v=0", b.next("offer").getJsonObject("data").getString("sdp"));
      for (int i = 0; i < 20; i++) {
        assertEquals(i, b.next("ice-candidate").getJsonObject("data").getInteger("n"));
      }
    }
  }

  @Test
  void eventsAreTypedAndCarryTheirFields(Vertx vertx) throws Exception {
    BlockingQueue<HubEvent> events = new LinkedBlockingQueue<>();
    start(vertx, new HubOptions(), event -> {
      events.add(event);
      event.complete(true);
    });
    String node = Nodes.nodeId(vertx);
    try (TestPeer a = TestPeer.join(vertx, port, "typed", "a")) {
      HubEvent register = events.poll(10, TimeUnit.SECONDS);
      assertNotNull(register);
      assertEquals(HubEvent.Type.REGISTER, register.type());
      assertEquals("a", register.peer());
      assertEquals("typed", register.room());
      assertEquals(node, register.node());
      assertEquals(0, register.members(), "peers in the room before a");
      assertTrue(register.future().result());
      assertNull(register.messageType());
      assertNull(register.from());
      assertEquals(-1, register.recipients());
      assertEquals(-1, register.length());
      assertNull(register.reason());

      TestPeer b = TestPeer.join(vertx, port, "typed", "b");
      assertEquals(1, events.poll(10, TimeUnit.SECONDS).members());
      a.next("peer-joined");

      a.send(TestPeer.offer("b", "v=0 é ✓ 𝄞"));
      JsonObject offer = b.next("offer");
      HubEvent broadcast = events.poll(10, TimeUnit.SECONDS);
      assertEquals(HubEvent.Type.BROADCAST, broadcast.type());
      assertEquals("offer", broadcast.messageType());
      assertEquals("a", broadcast.from());
      assertEquals("a", broadcast.peer());
      assertEquals("b", broadcast.to());
      assertEquals("typed", broadcast.room());
      assertEquals(node, broadcast.node());
      assertEquals(1, broadcast.recipients());
      offer.remove("seq");
      assertEquals(offer.encode().getBytes(StandardCharsets.UTF_8).length, broadcast.length(), "UTF-8 bytes of the frame b got");
      assertEquals(-1, broadcast.members());

      a.send(new JsonObject().put("type", "ice-candidate").put("data", new JsonObject().put("candidate", "")));
      b.next("ice-candidate");
      HubEvent toRoom = events.poll(10, TimeUnit.SECONDS);
      assertEquals("ice-candidate", toRoom.messageType());
      assertNull(toRoom.to());
      assertEquals(1, toRoom.recipients());

      b.close();
      a.next("peer-left");
      HubEvent unregister = events.poll(10, TimeUnit.SECONDS);
      assertEquals(HubEvent.Type.UNREGISTER, unregister.type());
      assertEquals("b", unregister.peer());
      assertEquals("typed", unregister.room());
      assertEquals(node, unregister.node());
      assertEquals("disconnected", unregister.reason());
      assertEquals(1, unregister.members(), "a remains");
      assertFalse(unregister.roomRemoved());

      a.send(new JsonObject().put("type", "leave"));
      a.next("left");
      HubEvent last = events.poll(10, TimeUnit.SECONDS);
      assertEquals("a", last.peer());
      assertEquals("left", last.reason());
      assertEquals(0, last.members());
      assertTrue(last.roomRemoved());
    }
  }

  @Test
  void withoutTheOptInNothingIsPublishedOnTheLifecycleAddresses(Vertx vertx) throws Exception {
    start(vertx, new HubOptions(), null);
    List<String> published = new CopyOnWriteArrayList<>();
    vertx.eventBus().addOutboundInterceptor(ctx -> {
      if (ctx.message().address().startsWith("signalhub.lifecycle.")) {
        published.add(ctx.message().address()); // interceptors run in the publish call itself
      }
      ctx.next();
    });
    try (TestPeer a = TestPeer.join(vertx, port, "quiet", "a"); TestPeer b = TestPeer.join(vertx, port, "quiet", "b")) {
      a.next("peer-joined");
      a.send(TestPeer.offer("b", "v=0"));
      a.send(TestPeer.offer("a", "to myself")); // routed after the offer: its error tells the router is past it
      assertEquals("not-in-room", a.next("error").getJsonObject("data").getString("code"));
      b.next("offer");
      b.send(new JsonObject().put("type", "leave"));
      b.next("left"); // the registry replies after it would have published
    }
    assertEquals(List.of(), published);
  }

  @Test
  void withTheOptInTheEventsArePublishedAsJson(Vertx vertx, VertxTestContext test) throws Exception {
    start(vertx, new HubOptions().setPublishLifecycleEvents(true), null);
    Checkpoint register = test.checkpoint(2);
    Checkpoint broadcast = test.checkpoint();
    Checkpoint unregister = test.checkpoint();
    vertx.eventBus().<JsonObject>consumer(Addresses.LIFECYCLE_REGISTER, msg -> {
      test.verify(() -> assertEquals("life", msg.body().getString("room")));
      register.flag();
    }).completion().await(5, TimeUnit.SECONDS);
    vertx.eventBus().<JsonObject>consumer(Addresses.LIFECYCLE_BROADCAST, msg -> {
      test.verify(() -> {
        assertEquals("offer", msg.body().getString("type"));
        assertEquals("a", msg.body().getString("from"));
        assertEquals("b", msg.body().getString("to"));
        assertEquals(1, msg.body().getInteger("recipients"));
        assertTrue(msg.body().getInteger("length") > 0);
        assertFalse(msg.body().containsKey("data"), "lifecycle events never carry the SDP");
      });
      broadcast.flag();
    }).completion().await(5, TimeUnit.SECONDS);
    vertx.eventBus().<JsonObject>consumer(Addresses.LIFECYCLE_UNREGISTER, msg -> {
      if (!"b".equals(msg.body().getString("peer"))) {
        return; // a's own unregister comes as the test closes it
      }
      test.verify(() -> {
        assertEquals("disconnected", msg.body().getString("reason"));
        assertFalse(msg.body().getBoolean("roomRemoved"));
      });
      unregister.flag();
    }).completion().await(5, TimeUnit.SECONDS);

    try (TestPeer a = TestPeer.join(vertx, port, "life", "a")) {
      TestPeer b = TestPeer.join(vertx, port, "life", "b");
      a.send(TestPeer.offer("b", "x"));
      b.next("offer");
      b.close();
      a.next("peer-joined");
      a.next("peer-left");
    }
    assertTrue(test.awaitCompletion(10, TimeUnit.SECONDS));
  }
}
