package io.signalhub;

import io.signalhub.HubServerOptions;
import io.signalhub.verticles.HubOptions;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.opentest4j.AssertionFailedError;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link LeakCheck} itself: it names what a hub still holds, and passes once that is gone. */
@ExtendWith(VertxExtension.class)
class LeakCheckTest {

  @Test
  void aPeerLeftOpenIsNamedAndClosingItDrainsTheHub(Vertx vertx) throws Exception {
    SignalingHub hub = SignalingHub.create(vertx, new HubOptions().setAnonymous(true));
    hub.deploy(new HubServerOptions().setPort(0)).await(20, TimeUnit.SECONDS);
    LeakCheck.assertDrained(vertx);
    TestPeer open = TestPeer.join(vertx, hub.actualPort(), "kept", "forgotten");
    AssertionFailedError leak = assertThrows(AssertionFailedError.class, () -> LeakCheck.assertDrained(300, vertx));
    for (String what : new String[]{"signalhub_connections 1", "signalhub_peers 1", "signalhub_rooms 1", "sessions 1",
      "peer.forgotten.", "signalhub.rooms 1 [kept]", "signalhub.peers 1 [forgotten]"}) {
      assertTrue(leak.getMessage().contains(what), what + " in: " + leak.getMessage());
    }
    open.close();
    LeakCheck.assertDrained(vertx);
    hub.undeploy().await(20, TimeUnit.SECONDS);
  }

  @Test
  void aConnectionThatNeverJoinsKeepsItsJoinTimer(Vertx vertx) throws Exception {
    SignalingHub hub = SignalingHub.create(vertx, new HubOptions().setAnonymous(true));
    hub.deploy(new HubServerOptions().setPort(0)).await(20, TimeUnit.SECONDS);
    try (TestPeer idle = TestPeer.connect(vertx, hub.actualPort(), "/ws?protocol=v1")) {
      AssertionFailedError leak = assertThrows(AssertionFailedError.class, () -> LeakCheck.assertDrained(300, vertx));
      assertTrue(leak.getMessage().contains("timers {io.signalhub.verticles.impl.Connection="), leak.getMessage());
    }
    LeakCheck.assertDrained(vertx);
    hub.undeploy().await(20, TimeUnit.SECONDS);
  }
}
