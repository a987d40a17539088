package io.signalhub;

import io.signalhub.launcher.ClusterOptions;
import io.signalhub.launcher.HubConfig;
import io.vertx.core.Vertx;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Mutual TLS on the clustered event bus ({@code clusterTls}), between nodes in JVMs of their own, each on a host of its
 * own ({@link NetHosts}: network namespaces joined by a bridge; Hazelcast and the event bus on the hosts' cluster
 * addresses). The certificates are made here with the JDK's {@code keytool}: a CA that signs nodes A and B, and a
 * rogue CA that signs node R.
 *
 * <p>R is the attacker the setting is for: it reaches the Hazelcast port (unauthenticated, so R joins the cluster and
 * reads its maps), holds a certificate (its own CA's) and trusts the cluster's CA (a CA certificate is no secret).
 * A and B refuse its connections (client certificates required) and refuse to send to it (its certificate is not
 * the CA's), so peers on A and B signal each other while R's peer gets nothing through, either way. Needs root and
 * {@code ip netns} (skipped otherwise, failed with {@code CI=true}).
 */
class ClusterTlsTest {

  /** How long a node's log is watched for a line it must write. */
  private static final Duration LOG_WAIT = Duration.ofSeconds(20);

  @TempDir
  static Path pki;
  private static NodeFiles nodeA;
  private static NodeFiles nodeB;
  private static NodeFiles rogue;

  private NetHosts hosts;
  private final List<NodeProcess> nodes = new ArrayList<>();
  private final List<HostPeer> peers = new ArrayList<>();
  private Vertx clients;

  /** This node's certificate, key and trusted CA(s), PEM files. */
  record NodeFiles(Path cert, Path key, Path ca) {
    String[] settings() {
      return new String[] {"clusterTls=true", "clusterTlsCert=" + cert, "clusterTlsKey=" + key, "clusterTlsCa=" + ca};
    }

    JsonObject json() {
      return new JsonObject().put("clusterTls", true).put("clusterTlsCert", cert.toString())
        .put("clusterTlsKey", key.toString()).put("clusterTlsCa", ca.toString());
    }
  }

  @BeforeAll
  static void makeCertificates() throws Exception {
    TestPki certificates = new TestPki(pki);
    Path ca = certificates.ca("cluster-ca");
    Path rogueCa = certificates.ca("rogue-ca");
    nodeA = files(certificates.signed("node-a", "cluster-ca", ca));
    nodeB = files(certificates.signed("node-b", "cluster-ca", ca));
    Path both = pki.resolve("rogue-trusts.pem");
    Files.writeString(both, Files.readString(rogueCa) + Files.readString(ca));
    NodeFiles r = files(certificates.signed("node-r", "rogue-ca", rogueCa));
    rogue = new NodeFiles(r.cert(), r.key(), both);
  }

  private static NodeFiles files(TestPki.Issued f) {
    return new NodeFiles(f.cert(), f.key(), f.ca());
  }

  @AfterEach
  void stopAll() throws Exception {
    try {
      for (HostPeer peer : peers) {
        peer.close();
      }
      if (clients != null) {
        clients.close().await(30, TimeUnit.SECONDS);
      }
      for (NodeProcess node : nodes) {
        node.close();
      }
    } finally {
      if (hosts != null) {
        hosts.close();
      }
    }
  }

  @Test
  void nodesOfTheClusterCaSignalEachOtherAndANodeWithAnotherCertificateGetsNothingThroughEitherWay(@TempDir Path dir)
    throws Exception {
    NetHosts.assumeAvailable();
    hosts = new NetHosts(3);
    Path config = NodeProcess.clusterConfig(dir, hosts);
    long t0 = System.nanoTime();
    NodeProcess a = start(1, config, nodeA);
    NodeProcess b = start(2, config, nodeB);
    NodeProcess r = start(3, config, rogue);
    System.out.println("three TLS nodes on three hosts started in " + msSince(t0) + " ms");
    assertEquals(3, r.membersAtStart(), "Hazelcast's member protocol is not authenticated: R joins the cluster\n"
      + r.output());
    a.awaitMigrationsDone(3, Duration.ofSeconds(30)); // partitions moved to R: the first joins go straight through
    System.out.println("partitions moved " + msSince(t0) + " ms after the first start");
    clients = Vertx.vertx();

    HostPeer pa = join(a, "pa");
    HostPeer pb = join(b, "pb");
    assertEquals("pb", pa.next("peer-joined").getJsonObject("data").getString("id"));
    pa.send(TestPeer.offer("pb", "a to b"));
    assertEquals("a to b", pb.next("offer").getJsonObject("data").getString("sdp"));
    pb.send(TestPeer.offer("pa", "b to a"));
    assertEquals("b to a", pa.next("offer").getJsonObject("data").getString("sdp"));

    // R's peer joins: the room map is Hazelcast's, which R reads and writes like any member
    HostPeer pr = join(r, "pr");
    JsonObject welcome = pr.welcome;
    assertEquals(List.of("pa", "pb"), welcome.getJsonObject("data").getJsonArray("peers").getList(),
      "what Hazelcast's maps tell any member: " + welcome.encode());
    String rNode = r.nodeId();

    String aRefused = "Connecting to server " + rNode + " failed";
    String rRefused = "SSLHandshakeException: Received fatal alert: bad_certificate";
    int aRefusedBefore = count(a.output(), aRefused);
    int rRefusedBefore = count(r.output(), rRefused);
    long sent = System.nanoTime();
    pr.send(TestPeer.offer("pa", "from the rogue node"));
    pa.send(TestPeer.offer("pr", "to the rogue node"));
    // what the logs show, once more after the sends: A refused R's certificate when it connected to R to send (its
    // client logs it: pa's offer goes nowhere) ...
    String aLog = a.awaitOutput("that A refused R's certificate (" + aRefused + ")",
      text -> count(text, aRefused) > aRefusedBefore ? text : null, LOG_WAIT);
    String failure = aLog.substring(aLog.lastIndexOf(aRefused));
    assertTrue(failure.contains("PKIX path building failed"), failure);
    System.out.println("A logged that it refused R's certificate " + msSince(sent) + " ms after the sends");
    // ... and A or B refused R's certificate when R connected to them (only R logs it, the alert it was sent)
    r.awaitOutput("that A or B refused R's certificate (" + rRefused + ")",
      text -> count(text, rRefused) > rRefusedBefore ? text : null, LOG_WAIT);
    System.out.println("R logged that it was refused " + msSince(sent) + " ms after the sends");

    // what the peers see: nothing from or to pr, while pa and pb go on signaling each other
    pb.send(TestPeer.offer("pa", "b to a again"));
    JsonObject next = pa.next();
    assertEquals("b to a again", next.getJsonObject("data", new JsonObject()).getString("sdp"),
      "pa's next frame (no peer-joined of pr, no offer from pr): " + next.encode());
    assertEquals(0, pa.pending(), "pa received more");
    assertEquals(0, pb.pending(), "pb received more");
    assertEquals(0, pr.pending(), "pr received something from the cluster's nodes");
  }

  @Test
  void unusableTlsFilesStopTheNodeAtStartNamingTheSetting() {
    assertRefused(nodeA.json().put("clusterTlsCa", ""), "invalid hub setting 'clusterTlsCa': must name a PEM file");
    assertRefused(nodeA.json().put("clusterTlsCert", pki.resolve("absent.pem").toString()),
      "invalid hub setting 'clusterTlsCert': cannot read " + pki.resolve("absent.pem"));
    assertRefused(nodeA.json().put("clusterTlsKey", nodeB.key().toString()),
      "invalid hub setting 'clusterTlsKey': " + nodeB.key() + ": not the key of clusterTlsCert");
    assertRefused(nodeA.json().put("clusterTlsKey", nodeA.cert().toString()),
      "invalid hub setting 'clusterTlsKey': " + nodeA.cert() + ": not a PEM private key");
    assertRefused(nodeA.json().put("clusterTlsCa", nodeA.key().toString()),
      "invalid hub setting 'clusterTlsCa': " + nodeA.key() + ": not a PEM CA certificate");
    assertRefused(rogue.json().put("clusterTlsCa", nodeA.ca().toString()),
      "invalid hub setting 'clusterTlsCert': " + rogue.cert() + ": not accepted by clusterTlsCa " + nodeA.ca());
    // usable files, and none read when clusterTls is off
    assertTrue(HubConfig.of(nodeA.json()).cluster().isClusterTls());
    new ClusterOptions(nodeA.json().put("clusterTls", false).put("clusterTlsCert", "absent.pem"));
  }

  private static void assertRefused(JsonObject json, String message) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HubConfig.of(json));
    assertTrue(e.getMessage().startsWith(message), e.getMessage());
  }

  private NodeProcess start(int host, Path config, NodeFiles files) throws Exception {
    NodeProcess node = NodeProcess.startOn(hosts, host, config, files.settings());
    nodes.add(node);
    return node;
  }

  private HostPeer join(NodeProcess node, String id) throws Exception {
    HostPeer peer = new HostPeer(clients, node.address(), node.port(), "/ws?roomId=tls&ClientId=" + id);
    peers.add(peer);
    JsonObject first = peer.next();
    if (!"welcome".equals(first.getString("type"))) {
      fail("peer " + id + " got " + first.encode() + " instead of a welcome; the nodes' logs:\n"
        + String.join("\n", nodes.stream().map(n -> n.address() + ":\n" + n.output()).toList()));
    }
    peer.welcome = first;
    return peer;
  }

  /**
   * A protocol-v1 client of a node on a host ({@link TestPeer} connects to loopback only): frames received are queued
   * and taken in order with a bounded wait.
   */
  private static final class HostPeer {
    private final WebSocketClient client;
    private final ClientWebSocket ws;
    private final BlockingQueue<JsonObject> frames = new LinkedBlockingQueue<>();
    JsonObject welcome;

    HostPeer(Vertx vertx, String host, int port, String uri) throws Exception {
      client = vertx.createWebSocketClient();
      ws = client.webSocket();
      ws.textMessageHandler(text -> frames.add(new JsonObject(text))); // set before connecting: no frame is missed
      ws.connect(new WebSocketConnectOptions().setHost(host).setPort(port).setURI(uri))
        .await(TestPeer.WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    void send(JsonObject frame) throws Exception {
      ws.writeTextMessage(frame.encode()).await(TestPeer.WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The next frame, waiting up to {@link TestPeer#WAIT}. */
    JsonObject next() throws InterruptedException {
      JsonObject frame = frames.poll(TestPeer.WAIT.toMillis(), TimeUnit.MILLISECONDS);
      assertNotNull(frame, "no frame received within " + TestPeer.WAIT);
      return frame;
    }

    /** The next frame, which must have type {@code type}. */
    JsonObject next(String type) throws InterruptedException {
      JsonObject frame = next();
      assertEquals(type, frame.getString("type"), "unexpected frame " + frame.encode());
      return frame;
    }

    /** Frames received and not taken yet. */
    int pending() {
      return frames.size();
    }

    void close() {
      try {
        ws.close().await(TestPeer.WAIT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (Exception closedAlready) {
        // its node is gone, or it was closed
      }
      client.close();
    }
  }

  private static long msSince(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
  }

  private static int count(String text, String part) {
    int n = 0;
    for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + part.length())) {
      n++;
    }
    return n;
  }

}
