'use strict';
// What the Node end-to-end scripts of the client libraries share (peerjs-peers.js, peerjs-browser.js,
// yjs-provider.js, yjs-pair.js):
// - parseArgs(argv): positional arguments and --key=value options;
// - redact(token) / redactUrl(url): tokens shortened for the output;
// - peerServerOptions(url): a PeerJS client's host, port, path and secure from http(s):// or ws(s):// URL;
// - tracer(): a trace for stderr, with every library's console output routed into it, since stdout carries exactly
//   one JSON line (the script's result);
// - loopbackWrtc(log): @roamhq/wrtc with an RTCPeerConnection that keeps WebRTC on loopback: ICE servers other
//   than 127.0.0.1/localhost removed (library defaults name public STUN hosts) and host candidates other than
//   127.0.0.1 dropped before they are signaled (E2E_ALL_CANDIDATES=1 keeps them). Loaded only by what uses it.

function parseArgs(argv) {
  const positional = [];
  const opts = {};
  for (const a of argv) {
    const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
    if (m) opts[m[1]] = m[2] === undefined ? 'true' : m[2];
    else positional.push(a);
  }
  return { positional, opts };
}

const redact = (t) => (t == null ? t : String(t).length <= 8 ? '<redacted>' : String(t).slice(0, 6) + '...');

function redactUrl(u) {
  try {
    const x = new URL(u);
    if (x.searchParams.has('token')) x.searchParams.set('token', redact(x.searchParams.get('token')));
    return x.toString();
  } catch (e) {
    return '<bad url>';
  }
}

function peerServerOptions(httpUrl) {
  let u;
  try {
    u = new URL(httpUrl);
  } catch (e) {
    throw new Error(`invalid server URL '${httpUrl}': ${e.message}`);
  }
  if (!/^(http|https|ws|wss):$/.test(u.protocol)) throw new Error(`server URL must be http(s): '${httpUrl}'`);
  const secure = u.protocol === 'https:' || u.protocol === 'wss:';
  return { host: u.hostname, port: Number(u.port || (secure ? 443 : 80)), path: u.pathname || '/', secure };
}

function tracer() {
  const start = Date.now();
  const trace = [];
  const log = (...parts) => trace.push(`+${String(Date.now() - start).padStart(5)}ms ${parts.join(' ')}`);
  console.log = console.info = console.debug = (...a) => log('console:', ...a.map(String));
  console.warn = console.error = (...a) => log('console.warn/error:', ...a.map(String));
  return { start, trace, log };
}

function loopbackWrtc(log) {
  const wrtc = require('@roamhq/wrtc');
  const loopbackOnly = !process.env.E2E_ALL_CANDIDATES;
  const droppedCandidates = [];
  // keep only ICE servers on loopback, e.g. turn:127.0.0.1:3478?transport=udp
  const isLocalIceServer = (s) =>
    [].concat(s && s.urls ? s.urls : []).every((u) => /^(\/\/)?(127\.0\.0\.1|localhost)(:|\?|$)/.test(String(u).replace(/^[a-z]+:/i, '')));
  class LoopbackRTCPeerConnection extends wrtc.RTCPeerConnection {
    constructor(config, ...rest) {
      const cfg = { ...(config || {}) };
      // peerjs builds one throw-away RTCPeerConnection at load time with its public default servers: strip them
      cfg.iceServers = (cfg.iceServers || []).filter(isLocalIceServer);
      super(cfg, ...rest);
    }
    dispatchEvent(event) {
      if (loopbackOnly && event && event.type === 'icecandidate' && event.candidate && event.candidate.candidate) {
        const c = event.candidate.candidate;
        if (!/ 127\.0\.0\.1 /.test(c)) {
          droppedCandidates.push(c);
          log(`dropped non-loopback candidate: ${c}`);
          return true;
        }
      }
      return super.dispatchEvent(event);
    }
  }
  return { wrtc: { ...wrtc, RTCPeerConnection: LoopbackRTCPeerConnection }, droppedCandidates };
}

module.exports = { parseArgs, redact, redactUrl, peerServerOptions, tracer, loopbackWrtc };
