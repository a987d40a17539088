package io.signalhub;

import io.signalhub.protocol.CloseCodes;
import io.signalhub.verticles.HubOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.DataInputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The heartbeat: the hub pings every {@code pingIntervalMs}; a peer that answers nothing for
 * {@code idleTimeoutMs} is closed with 4000 and, once its resume grace period is over, its room is told
 * {@code peer-left} with reason {@code idle-timeout}. The silent peer is a raw socket that completes the WebSocket handshake and then
 * never answers a ping (ordinary WebSocket clients answer pings by themselves).
 */
@ExtendWith(VertxExtension.class)
class IdleTimeoutTest {

  @Test
  void aPeerThatNeverAnswersPingsIsClosedWith4000(Vertx vertx) throws Exception {
    SignalingHub hub = SignalingHub.create(vertx, new HubOptions().setAnonymous(true).setPingIntervalMs(200).setIdleTimeoutMs(500)
      .setResumeGraceMs(300));
    hub.deploy(new HubServerOptions().setPort(0)).await(20, TimeUnit.SECONDS);
    try (TestPeer watcher = TestPeer.join(vertx, hub.actualPort(), "quiet", "watcher");
         Socket silent = new Socket("127.0.0.1", hub.actualPort())) {
      silent.setSoTimeout(10_000);
      OutputStream out = silent.getOutputStream();
      String key = Base64.getEncoder().encodeToString("0123456789abcdef".getBytes(StandardCharsets.US_ASCII));
      out.write(("GET /ws?roomId=quiet&ClientId=silent HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
        + "Connection: Upgrade\r\nSec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      DataInputStream in = new DataInputStream(silent.getInputStream());
      String status = readLine(in);
      assertTrue(status.startsWith("HTTP/1.1 101"), status);
      while (!readLine(in).isEmpty()) {
        // response headers
      }
      assertEquals("silent", watcher.next("peer-joined").getJsonObject("data").getString("id"));

      int pings = 0;
      int closeCode = -1;
      while (closeCode < 0) {
        int opcode = in.readUnsignedByte() & 0x0f;
        int len = in.readUnsignedByte() & 0x7f;
        if (len == 126) {
          len = in.readUnsignedShort();
        }
        byte[] payload = in.readNBytes(len);
        if (opcode == 0x9) {
          pings++;
        } else if (opcode == 0x8) {
          closeCode = ((payload[0] & 0xff) << 8) | (payload[1] & 0xff);
        }
      }
      assertEquals(CloseCodes.IDLE_TIMEOUT, closeCode);
      assertTrue(pings >= 1, "the hub pinged before giving up");
      JsonObject left = watcher.next("peer-left").getJsonObject("data");
      assertEquals("silent", left.getString("id"));
      assertEquals("idle-timeout", left.getString("reason"));
      watcher.close();
      LeakCheck.assertDrained(vertx);
    } finally {
      hub.undeploy().await(20, TimeUnit.SECONDS);
    }
  }

  private static String readLine(DataInputStream in) throws Exception {
    StringBuilder line = new StringBuilder();
    int c;
    while ((c = in.read()) != '\n') {
      if (c < 0) {
        throw new IllegalStateException("connection closed");
      }
      if (c != '\r') {
        line.append((char) c);
      }
    }
    return line.toString();
  }
}
