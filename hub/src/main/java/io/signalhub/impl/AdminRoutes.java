package io.signalhub.impl;

import io.signalhub.protocol.MessageType;
import io.signalhub.verticles.Addresses;
import io.signalhub.verticles.HubOptions;
import io.signalhub.verticles.impl.Member;
import io.signalhub.verticles.impl.Nodes;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The admin API of a hub node (docs/configuration.md, "Admin API"), answering for the whole cluster, on the hub's
 * own server when {@code adminSecret} is set; every request shows {@code Authorization: Bearer <adminSecret>}, else
 * {@code 401 {"error":"unauthorized"}}:
 * <ul>
 *   <li>{@code GET /admin/rooms?after=<room>&limit=<1..1000, 100>}: {@code 200 {"rooms":[{"room","members":n}],
 *       "next":<the last room, to pass as after, or null on the last page>}}, in name order;</li>
 *   <li>{@code GET /admin/rooms/<room>}: {@code 200 {"room","members":[{"peer","node"}]}}, or 404;</li>
 *   <li>{@code DELETE /admin/rooms/<room>/peers/<peer>}: the peer's connection is closed with 4100 (removed by the
 *       operator, do not reconnect) and its room hears {@code peer-left} with reason {@code removed}: 204; 404 when it
 *       is not in the room; 504 when its node did not answer within {@code requestTimeoutMs};</li>
 *   <li>{@code DELETE /admin/rooms/<room>}: the same for every peer of the room: 204 (504 when some did not answer);</li>
 *   <li>{@code POST /admin/rooms/<room>/messages} with {@code {"data":<any JSON>,"to"?:<peer>}}: the room's peers (or
 *       the one peer) get {@code {"type":"server-message","room","data"}} (protocol v1 clients; the seed documents'
 *       dialects have no such frame): {@code 202 {"recipients":n}}; 404 for a {@code to} not in the room, 400 for a
 *       body without {@code data}.</li>
 * </ul>
 */
final class AdminRoutes {

  private static final int MAX_LIMIT = 1000;

  private final Vertx vertx;
  private final HubOptions options;
  private final byte[] secret;

  private AdminRoutes(Vertx vertx, HubOptions options, String secret) {
    this.vertx = vertx;
    this.options = options;
    this.secret = ("Bearer " + secret).getBytes(StandardCharsets.UTF_8);
  }

  /** Mounts the admin API on {@code router}, unless {@code secret} is empty. */
  static void mount(Router router, Vertx vertx, HubOptions options, String secret) {
    if (secret.isEmpty()) {
      return;
    }
    AdminRoutes admin = new AdminRoutes(vertx, options, secret);
    router.route("/admin/*").handler(admin::authenticate);
    router.get("/admin/rooms").handler(admin::list);
    router.get("/admin/rooms/:room").handler(admin::room);
    router.delete("/admin/rooms/:room/peers/:peer").handler(admin::removePeer);
    router.delete("/admin/rooms/:room").handler(admin::closeRoom);
    router.post("/admin/rooms/:room/messages").handler(BodyHandler.create().setBodyLimit(options.getMaxFrameBytes()))
      .handler(admin::message);
  }

  private void authenticate(RoutingContext ctx) {
    String header = ctx.request().getHeader("Authorization");
    // constant time: the comparison must not tell how much of a guess was right
    if (header != null && MessageDigest.isEqual(secret, header.getBytes(StandardCharsets.UTF_8))) {
      ctx.next();
    } else {
      json(ctx, 401, new JsonObject().put("error", "unauthorized"));
    }
  }

  private void list(RoutingContext ctx) {
    int limit;
    try {
      limit = Math.max(1, Math.min(MAX_LIMIT, Integer.parseInt(ctx.request().getParam("limit", "100"))));
    } catch (NumberFormatException e) {
      json(ctx, 400, new JsonObject().put("error", "invalid-field").put("message", "limit must be a number"));
      return;
    }
    JsonObject request = new JsonObject().put("limit", limit).put("after", ctx.request().getParam("after"));
    vertx.eventBus().<JsonObject>request(Addresses.ROOM_LIST, request, local()).onComplete(ar -> {
      if (ar.failed()) {
        json(ctx, 503, new JsonObject().put("error", "unavailable"));
        return;
      }
      JsonArray rooms = new JsonArray();
      for (Object o : ar.result().body().getJsonArray("rooms")) {
        JsonObject state = (JsonObject) o;
        rooms.add(new JsonObject().put("room", state.getString("room")).put("members", state.getJsonObject("members").size()));
      }
      String next = rooms.size() == limit ? rooms.getJsonObject(rooms.size() - 1).getString("room") : null;
      json(ctx, 200, new JsonObject().put("rooms", rooms).put("next", next));
    });
  }

  private void room(RoutingContext ctx) {
    withRoom(ctx, (room, members) -> {
      JsonArray peers = new JsonArray();
      members.forEach((peer, session) -> peers.add(new JsonObject().put("peer", peer).put("node", Member.node(session))));
      json(ctx, 200, new JsonObject().put("room", room).put("members", peers));
    });
  }

  private void removePeer(RoutingContext ctx) {
    String peer = ctx.pathParam("peer");
    withRoom(ctx, (room, members) -> {
      String session = members.get(peer);
      if (session == null) {
        json(ctx, 404, new JsonObject().put("error", "not-in-room"));
        return;
      }
      remove(peer, session).onComplete(ar -> answer(ctx, ar.succeeded()));
    });
  }

  private void closeRoom(RoutingContext ctx) {
    withRoom(ctx, (room, members) -> {
      List<Future<Void>> removals = new ArrayList<>();
      members.forEach((peer, session) -> removals.add(remove(peer, session)));
      Future.join(removals).onComplete(ar -> answer(ctx, ar.succeeded()));
    });
  }

  private void message(RoutingContext ctx) {
    JsonObject body;
    try {
      body = ctx.body().asJsonObject();
    } catch (RuntimeException e) {
      body = null;
    }
    if (body == null || !body.containsKey("data") || (body.containsKey("to") && !(body.getValue("to") instanceof String))) {
      json(ctx, 400, new JsonObject().put("error", "invalid-field").put("message", "the body is {\"data\":..., \"to\"?:\"<peer>\"}"));
      return;
    }
    Object data = body.getValue("data");
    String to = body.getString("to");
    withRoom(ctx, (room, members) -> {
      if (to != null && !members.containsKey(to)) {
        json(ctx, 404, new JsonObject().put("error", "not-in-room"));
        return;
      }
      String frame = new JsonObject().put("type", MessageType.SERVER_MESSAGE).put("room", room).put("data", data).encode();
      DeliveryOptions inRoom = new DeliveryOptions().setLocalOnly(true).addHeader(Addresses.HEADER_ROOM, room);
      String node = Nodes.nodeId(vertx);
      int recipients = 0;
      for (Map.Entry<String, String> member : members.entrySet()) {
        if (to == null || to.equals(member.getKey())) {
          Member.send(vertx, node, member.getKey(), member.getValue(), frame, inRoom);
          recipients++;
        }
      }
      json(ctx, 202, new JsonObject().put("recipients", recipients));
    });
  }

  private Future<Void> remove(String peer, String session) {
    return Member.request(vertx, Nodes.nodeId(vertx), peer, session, null, new DeliveryOptions()
      .setSendTimeout(options.getRequestTimeoutMs()).addHeader(Addresses.HEADER_OP, Addresses.OP_REMOVE)).mapEmpty();
  }

  private static void answer(RoutingContext ctx, boolean done) {
    if (done) {
      ctx.response().setStatusCode(204).end();
    } else {
      json(ctx, 504, new JsonObject().put("error", "unavailable")
        .put("message", "a peer's node did not answer; if it left the cluster its peers are being removed anyway"));
    }
  }

  /** The room's members, peer id to session, or 404. */
  private void withRoom(RoutingContext ctx, java.util.function.BiConsumer<String, Map<String, String>> then) {
    String room = ctx.pathParam("room");
    vertx.eventBus().<JsonObject>request(Addresses.ROOM_GET, new JsonObject().put("room", room), local()).onComplete(ar -> {
      if (ar.failed()) {
        json(ctx, 503, new JsonObject().put("error", "unavailable"));
      } else if (ar.result().body() == null) {
        json(ctx, 404, new JsonObject().put("error", "no-such-room"));
      } else {
        Map<String, String> members = new java.util.LinkedHashMap<>();
        ar.result().body().getJsonObject("members").forEach(e -> members.put(e.getKey(), String.valueOf(e.getValue())));
        then.accept(room, members);
      }
    });
  }

  private DeliveryOptions local() {
    return new DeliveryOptions().setLocalOnly(true).setSendTimeout(options.getRequestTimeoutMs());
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader("content-type", "application/json").end(body.encode());
  }
}
