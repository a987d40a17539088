package io.signalhub;

import io.signalhub.verticles.HubOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.util.concurrent.TimeUnit;

import static io.signalhub.RealWebRtcE2ETest.CHROMIUM;
import static io.signalhub.RealWebRtcE2ETest.require;
import static io.signalhub.RealWebRtcE2ETest.requireNodeModules;
import static io.signalhub.RealWebRtcE2ETest.runNode;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The standard client libraries, unmodified from npm, against two nodes of a cluster (real Hazelcast members on
 * loopback), each client on a different node (docs/protocol.md, "PeerJS" and "y-webrtc"):
 * <ul>
 *   <li>{@code peerjs} 1.5.5 in Node on {@code @roamhq/wrtc}, and its own browser bundle in headless Chromium: a
 *       DataConnection opens and carries a message each way; {@code ID-TAKEN} across nodes; {@code EXPIRE} for a
 *       peer that never connects; a wrong key refused; with authentication on, the client's {@code token} option
 *       carries the JWT;</li>
 *   <li>two {@code y-webrtc} 10.3.0 providers in separate processes (one process would also sync over
 *       BroadcastChannel and hide the hub) share a {@code Y.Doc} over the WebRTC connection the hub signaled.</li>
 * </ul>
 * The scripts are in {@code src/test/js}; run inside a loopback-only network namespace ({@code scripts/test}).
 */
class ClientLibrariesE2ETest {

  private static final String SECRET = DialectsTest.SECRET;

  private TestCluster cluster;
  private SignalingHub hub1;
  private SignalingHub hub2;

  @BeforeEach
  void prerequisites() {
    requireNodeModules();
    cluster = new TestCluster();
  }

  @AfterEach
  void stop() throws Exception {
    cluster.close();
  }

  private void startTwoNodes(HubOptions options) throws Exception {
    hub1 = SignalingHub.create(cluster.startNode(), options);
    hub2 = SignalingHub.create(cluster.startNode(), options);
    hub1.deploy(new HubServerOptions().setPort(0).setDemo(false)).await(30, TimeUnit.SECONDS);
    hub2.deploy(new HubServerOptions().setPort(0).setDemo(false)).await(30, TimeUnit.SECONDS);
  }

  private static String peerjsUrl(SignalingHub hub) {
    return "http://127.0.0.1:" + hub.actualPort() + "/peerjs";
  }

  private static String yjsUrl(SignalingHub hub) {
    return "ws://127.0.0.1:" + hub.actualPort() + "/yjs";
  }

  @Test
  void peerJsClientsInNodeOnTwoNodesConnectAndGetIdTakenExpireAndKeyErrorsAsFromThePeerJsServer() throws Exception {
    startTwoNodes(new HubOptions().setAnonymous(true));
    // ids chosen by the application, then ids handed out by GET /peerjs/peerjs/id
    JsonObject chosen = runNode("peerjs-peers.js", "connect", peerjsUrl(hub1), peerjsUrl(hub2), "--idA=alice", "--idB=bob");
    System.out.println("peerjs in Node, two nodes, chosen ids: " + chosen.encode());
    JsonObject assigned = runNode("peerjs-peers.js", "connect", peerjsUrl(hub1), peerjsUrl(hub2));
    System.out.println("peerjs in Node, two nodes, ids from the hub: " + assigned.encode());

    // the id is cluster-wide: held on node 1, another token on node 2 gets ID-TAKEN (client error unavailable-id)
    JsonObject taken = runNode("peerjs-peers.js", "id-taken", peerjsUrl(hub1), peerjsUrl(hub2), "--id=carol");
    System.out.println("peerjs ID-TAKEN across nodes: " + taken.encode());
    // a peer that never connects: the held OFFER lapses after peerjsExpireMs (5 s) with EXPIRE (peer-unavailable)
    JsonObject expired = runNode("peerjs-peers.js", "expire", peerjsUrl(hub1), peerjsUrl(hub2), "--target=nobody");
    System.out.println("peerjs EXPIRE: " + expired.encode());
    assertTrue(expired.getLong("elapsedMs") >= 5_000, expired.encode());
    JsonObject badKey = runNode("peerjs-peers.js", "bad-key", peerjsUrl(hub1), "--expectType=server-error");
    System.out.println("peerjs wrong key: " + badKey.encode());
  }

  @Test
  void peerJsBrowserBundleInChromiumPagesOnTwoNodesConnects() throws Exception {
    require(new File(CHROMIUM).canExecute(), "Chromium at " + CHROMIUM + " (apt-get install chromium)");
    // the pages come from another origin (the script's own server): the hub must allow it
    startTwoNodes(new HubOptions().setAnonymous(true).setAllowedOrigins("*"));
    JsonObject result = runNode("peerjs-browser.js", peerjsUrl(hub1), peerjsUrl(hub2), "--idA=server", "--idB=server");
    System.out.println("peerjs in Chromium, two nodes: " + result.encode());
  }

  @Test
  void withAuthenticationThePeerJsTokenOptionCarriesTheJwtAndYWebrtcItsUrl() throws Exception {
    startTwoNodes(new HubOptions().setJwtSecret(SECRET));
    Vertx vertx = Vertx.vertx();
    try {
      JWTAuth jwt = JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(SECRET)));
      JWTOptions in60s = new JWTOptions().setAlgorithm("HS256").setExpiresInSeconds(60);
      String alice = jwt.generateToken(new JsonObject().put("sub", "alice"), in60s);
      String bob = jwt.generateToken(new JsonObject().put("sub", "bob"), in60s);
      JsonObject result = runNode("peerjs-peers.js", "connect", peerjsUrl(hub1), peerjsUrl(hub2), "--idA=alice", "--idB=bob",
        "--tokenA=" + alice, "--tokenB=" + bob);
      System.out.println("peerjs with JWTs, two nodes: " + result.encode());
      // a token for another id is refused with ERROR, which the client reports as server-error
      JsonObject refused = runNode("peerjs-peers.js", "bad-key", peerjsUrl(hub1), "--badKey=peerjs", "--tokenA=" + bob,
        "--expectType=server-error");
      System.out.println("peerjs with another id's JWT: " + refused.encode());

      String room = "doc-auth";
      String token = jwt.generateToken(new JsonObject().put("sub", "yjs").put("room", room), in60s);
      JsonObject yjs = runNode("yjs-pair.js", yjsUrl(hub1) + "?token=" + token, yjsUrl(hub2) + "?token=" + token,
        "--room=" + room);
      System.out.println("y-webrtc with a JWT in its signaling URL, two nodes: " + yjs.encode());
    } finally {
      vertx.close().await(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void yWebrtcProvidersInTwoProcessesOnTwoNodesShareADocument() throws Exception {
    startTwoNodes(new HubOptions().setAnonymous(true));
    JsonObject result = runNode("yjs-pair.js", yjsUrl(hub1), yjsUrl(hub2));
    System.out.println("y-webrtc, two providers in two processes on two nodes: " + result.encode());
    assertEquals(true, result.getBoolean("ok"));
  }
}
