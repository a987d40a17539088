package io.signalhub.loadtest;

import io.vertx.core.json.JsonObject;

/**
 * How the load tool speaks one server's protocol: the URI a peer connects to, the signaling frames it sends
 * (each carrying the load tool's stamp in a field {@code "x-lt"} inside the payload the server relays
 * untouched), and what the server's control frames mean.
 *
 * <p>Stamps are the text {@code <kind>.<step>.<room>.<from>.<to>.<seq>.<micros>}: kind {@code O} offer,
 * {@code A} answer, {@code C} candidate of the room set-up, {@code S} a candidate of a steady step; step
 * index; room index; sender's and recipient's index in the room; the sequence number of the message on
 * that directed link; its scheduled send time in µs since the load tool started.
 */
abstract class Driver {

  /** The field, inside the relayed payload, that holds the stamp. */
  static final String MARK = "\"x-lt\":\"";

  /**
   * What a control frame (a frame without a stamp) means: READY (joined: {@code welcome}, PeerJS {@code OPEN}),
   * JOINED and LEFT (another peer of the room came or went: {@link Seen#peer}), ERROR, IGNORE.
   */
  enum Control { READY, JOINED, LEFT, IGNORE, ERROR }

  /** What {@link #control} read besides the kind of frame; overwritten by each call. */
  static final class Seen {
    /** ERROR: the error's code. */
    String code;
    /** LEFT: the reason ({@code left}, {@code node-failed}, ...). */
    String reason;
    /** JOINED, LEFT: the other peer's id. */
    String peer;
    /** READY: the peers already in the room; the resume token, or {@code null}; the frame number it starts from. */
    java.util.List<String> peers = java.util.List.of();
    String resumeToken;
    long seq;
  }

  /** URI (path and query) for peer {@code id} of {@code room}, from the target's path and query. */
  abstract String uri(String base, String room, String id);

  /** A whole offer or answer frame ({@code kind} 'O' or 'A') to {@code to} with an SDP (JSON-escaped). */
  abstract String sdpFrame(char kind, String to, String sdp, String stamp);

  /** The text of a candidate frame to {@code to} up to the stamp; {@link #candidateSuffix()} follows it. */
  abstract String candidatePrefix(String to, String candidate);

  /** The text of a candidate frame after the stamp. */
  String candidateSuffix() {
    return "\"}}";
  }

  /** Classifies a frame without stamp and puts what else it says in {@code seen}. */
  abstract Control control(String text, Seen seen);

  /**
   * The URI of a reconnect of peer {@code id} that resumes its session with {@code token} after frame {@code seq}
   * (as {@code /client.js} does, docs/protocol.md "Resume"); a plain rejoin when the server gave no token.
   */
  String resumeUri(String base, String room, String id, String token, long seq) {
    return uri(base, room, id);
  }

  /** A frame to send every few seconds to stay connected, or {@code null}. */
  String heartbeat() {
    return null;
  }

  static Driver named(String name, String peerJsKey) {
    return switch (name) {
      case "v1" -> new V1();
      case "peerjs" -> new PeerJs(peerJsKey);
      default -> throw new IllegalArgumentException("unknown dialect '" + name + "' (v1 or peerjs)");
    };
  }

  private static String join(String base, String query) {
    return base + (base.contains("?") ? "&" : "?") + query;
  }

  /**
   * Protocol v1 of {@code docs/protocol.md} (also spoken by {@link RawRelay}): join by URL
   * {@code ?roomId=&ClientId=}, ready on {@code welcome}; frames {@code {"type":"offer"|"answer",
   * "to","data":{"type","sdp","x-lt"}}} and {@code {"type":"ice-candidate","to","data":{"candidate",
   * "sdpMid","sdpMLineIndex","x-lt"}}}; {@code error} frames count by {@code data.code}.
   */
  static final class V1 extends Driver {
    @Override
    String uri(String base, String room, String id) {
      return join(base, "roomId=" + room + "&ClientId=" + id);
    }

    @Override
    String sdpFrame(char kind, String to, String sdp, String stamp) {
      String type = kind == 'O' ? "offer" : "answer";
      return "{\"type\":\"" + type + "\",\"to\":\"" + to + "\",\"data\":{\"type\":\"" + type + "\",\"sdp\":\"" + sdp
        + "\",\"x-lt\":\"" + stamp + "\"}}";
    }

    @Override
    String candidatePrefix(String to, String candidate) {
      return "{\"type\":\"ice-candidate\",\"to\":\"" + to + "\",\"data\":{\"candidate\":\"" + candidate
        + "\",\"sdpMid\":\"0\",\"sdpMLineIndex\":0,\"x-lt\":\"";
    }

    @Override
    String resumeUri(String base, String room, String id, String token, long seq) {
      return token == null ? uri(base, room, id)
        : join(base, "roomId=" + room + "&ClientId=" + id + "&resume=" + token + "&received=" + seq);
    }

    @Override
    Control control(String text, Seen seen) {
      JsonObject frame = new JsonObject(text);
      JsonObject data = frame.getJsonObject("data", new JsonObject());
      switch (frame.getString("type", "")) {
        case "welcome":
          seen.peers = data.getJsonArray("peers", new io.vertx.core.json.JsonArray()).stream().map(String::valueOf).toList();
          seen.resumeToken = data.getString("resumeToken");
          seen.seq = data.getLong("seq", 0L);
          return Control.READY;
        case "peer-joined":
          seen.peer = data.getString("id");
          return Control.JOINED;
        case "peer-left":
          seen.peer = data.getString("id");
          seen.reason = data.getString("reason");
          return Control.LEFT;
        case "error":
          seen.code = "error:" + data.getString("code", "?");
          return Control.ERROR;
        default:
          return Control.IGNORE;
      }
    }

    /** The number a frame of a hub that numbers its frames starts with ({@code {"seq":n,...}}), or -1. */
    static long seqOf(String text) {
      if (!text.startsWith("{\"seq\":")) {
        return -1;
      }
      long v = 0;
      for (int i = 7; i < text.length(); i++) {
        char c = text.charAt(i);
        if (c < '0' || c > '9') {
          return v;
        }
        v = v * 10 + (c - '0');
      }
      return v;
    }
  }

  /**
   * The PeerJS server's protocol (npm {@code peer} 1.0.2): connect to {@code /peerjs?key=&id=&token=},
   * ready on {@code {"type":"OPEN"}}; frames {@code {"type":"OFFER"|"ANSWER","dst","payload":{"sdp":
   * {"type","sdp"},"type":"media","connectionId","browser","x-lt"}}} and {@code {"type":"CANDIDATE","dst",
   * "payload":{"candidate":{"candidate","sdpMid","sdpMLineIndex"},"type":"media","connectionId","x-lt"}}},
   * relayed with {@code src} added; {@code ERROR}, {@code EXPIRE}, {@code ID-TAKEN}, {@code LEAVE} count as
   * errors; {@code {"type":"HEARTBEAT"}} keeps a peer alive (the server drops peers silent for 60 s).
   */
  static final class PeerJs extends Driver {
    private final String key;

    PeerJs(String key) {
      this.key = key;
    }

    @Override
    String uri(String base, String room, String id) {
      return join(base, "key=" + key + "&id=" + id + "&token=t" + Integer.toHexString(id.hashCode()));
    }

    @Override
    String sdpFrame(char kind, String to, String sdp, String stamp) {
      String type = kind == 'O' ? "OFFER" : "ANSWER";
      return "{\"type\":\"" + type + "\",\"dst\":\"" + to + "\",\"payload\":{\"sdp\":{\"type\":\""
        + (kind == 'O' ? "offer" : "answer") + "\",\"sdp\":\"" + sdp + "\"},\"type\":\"media\",\"connectionId\":\"mc_"
        + to + "\",\"browser\":\"loadtest\",\"x-lt\":\"" + stamp + "\"}}";
    }

    @Override
    String candidatePrefix(String to, String candidate) {
      return "{\"type\":\"CANDIDATE\",\"dst\":\"" + to + "\",\"payload\":{\"candidate\":{\"candidate\":\"" + candidate
        + "\",\"sdpMid\":\"0\",\"sdpMLineIndex\":0},\"type\":\"media\",\"connectionId\":\"mc_" + to + "\",\"x-lt\":\"";
    }

    @Override
    Control control(String text, Seen seen) {
      JsonObject frame = new JsonObject(text);
      String type = frame.getString("type", "");
      switch (type) {
        case "OPEN":
          return Control.READY;
        case "ERROR", "EXPIRE", "ID-TAKEN", "LEAVE":
          seen.code = "peerjs:" + type;
          return Control.ERROR;
        default:
          return Control.IGNORE;
      }
    }

    @Override
    String heartbeat() {
      return "{\"type\":\"HEARTBEAT\"}";
    }
  }
}
