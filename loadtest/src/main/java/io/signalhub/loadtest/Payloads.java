package io.signalhub.loadtest;

import java.util.SplittableRandom;

/**
 * Realistic signaling payloads, already escaped for a JSON string: SDP offers and answers of a chosen size
 * (a WebRTC audio + video + data channel description, padded with further {@code a=ssrc} lines, CRLF line
 * ends), and trickle ICE candidate lines of about a chosen size.
 */
final class Payloads {

  private static final String[] HEAD = {
    "v=0", "o=- 4611731400430051336 2 IN IP4 127.0.0.1", "s=-", "t=0 0", "a=group:BUNDLE 0 1 2",
    "a=extmap-allow-mixed", "a=msid-semantic: WMS 7fb6d2c4-loadtest",
    "m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126", "c=IN IP4 0.0.0.0", "a=rtcp:9 IN IP4 0.0.0.0",
    "a=ice-ufrag:EsAw", "a=ice-pwd:P2uYro0UCOQ4zxjKXaWCBui1", "a=ice-options:trickle",
    "a=fingerprint:sha-256 D1:2C:BE:AD:0F:A2:6F:7B:CD:61:4A:9C:07:E7:8A:AA:AD:20:C5:2A:5B:7D:A4:5B:A8:61:62:17:02:33:9A:10",
    "a=setup:actpass", "a=mid:0", "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level",
    "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time", "a=sendrecv",
    "a=msid:7fb6d2c4-loadtest 2a8e54d1-audio", "a=rtcp-mux", "a=rtpmap:111 opus/48000/2", "a=rtcp-fb:111 transport-cc",
    "a=fmtp:111 minptime=10;useinbandfec=1", "a=rtpmap:63 red/48000/2", "a=fmtp:63 111/111", "a=rtpmap:9 G722/8000",
    "a=rtpmap:0 PCMU/8000", "a=rtpmap:8 PCMA/8000", "a=rtpmap:13 CN/8000", "a=rtpmap:110 telephone-event/48000",
    "a=rtpmap:126 telephone-event/8000", "a=ssrc:3970217162 cname:loadtestCname0001",
    "m=video 9 UDP/TLS/RTP/SAVPF 96 97 102 103 104 105 106 107 108 109 127 125 39 40 45 46 98 99 100 101",
    "c=IN IP4 0.0.0.0", "a=rtcp:9 IN IP4 0.0.0.0", "a=ice-ufrag:EsAw", "a=ice-pwd:P2uYro0UCOQ4zxjKXaWCBui1",
    "a=ice-options:trickle", "a=setup:actpass", "a=mid:1", "a=sendrecv", "a=msid:7fb6d2c4-loadtest 9c1f-video",
    "a=rtcp-mux", "a=rtcp-rsize", "a=rtpmap:96 VP8/90000", "a=rtcp-fb:96 goog-remb", "a=rtcp-fb:96 transport-cc",
    "a=rtcp-fb:96 ccm fir", "a=rtcp-fb:96 nack", "a=rtcp-fb:96 nack pli", "a=rtpmap:97 rtx/90000", "a=fmtp:97 apt=96",
    "a=rtpmap:102 H264/90000",
    "a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f",
    "a=rtpmap:103 rtx/90000", "a=fmtp:103 apt=102", "a=rtpmap:104 H264/90000",
    "a=fmtp:104 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42001f",
    "a=rtpmap:45 AV1/90000", "a=fmtp:45 level-idx=5;profile=0;tier=0", "a=rtpmap:98 VP9/90000",
    "a=fmtp:98 profile-id=0", "a=ssrc-group:FID 1195306211 2831174428",
    "m=application 9 UDP/DTLS/SCTP webrtc-datachannel", "c=IN IP4 0.0.0.0", "a=ice-ufrag:EsAw",
    "a=ice-pwd:P2uYro0UCOQ4zxjKXaWCBui1", "a=ice-options:trickle", "a=setup:actpass", "a=mid:2",
    "a=sctp-port:5000", "a=max-message-size:262144",
  };

  private Payloads() {
  }

  /**
   * An SDP of {@code bytes} characters (± one line), as the content of a JSON string: line ends are the
   * two escapes {@code \r\n} (so the decoded SDP is a few percent shorter than the JSON text).
   */
  static String sdp(int bytes, SplittableRandom random) {
    StringBuilder b = new StringBuilder(bytes + 128);
    for (String line : HEAD) {
      if (b.length() + line.length() + 4 > bytes && b.length() > 0) {
        return b.toString();
      }
      b.append(line).append("\\r\\n");
    }
    while (b.length() < bytes) {
      long ssrc = 1_000_000_000L + random.nextLong(3_000_000_000L);
      b.append("a=ssrc:").append(ssrc).append(" msid:7fb6d2c4-loadtest 9c1f-video-").append(random.nextInt(1000))
        .append("\\r\\n");
    }
    return b.toString();
  }

  /** An ICE candidate line of about {@code bytes} characters (at least a host candidate's length). */
  static String candidate(int bytes, int n, SplittableRandom random) {
    StringBuilder b = new StringBuilder(bytes + 32);
    b.append("candidate:").append(842163049L + n).append(" 1 udp ").append(1677729535L - n)
      .append(" 203.0.113.").append(1 + random.nextInt(250)).append(' ').append(40000 + random.nextInt(20000))
      .append(" typ srflx raddr 192.168.1.").append(1 + random.nextInt(250)).append(" rport ")
      .append(40000 + random.nextInt(20000)).append(" generation 0 ufrag EsAw network-id 1");
    if (b.length() < bytes) {
      b.append(" network-cost ");
      while (b.length() < bytes) {
        b.append('9');
      }
    }
    return b.toString();
  }
}
