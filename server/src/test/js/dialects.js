#!/usr/bin/env node
// End-to-end check of the hub's dialects (docs/protocol.md, "Dialects: clients of the seed documents")
// with real WebRTC peers: one client per existing client library or sample (the project's seed documents), written to the letter of its document.
//
//   node dialects.js <scenario> <httpBase> [jsonOptions]
//
//   simple-peer   SimplePeer hello/signal (source: seed document 000): simple-peer on @roamhq/wrtc, ids poopush_controller / poopush
//   private-meet  Private Meet (seed document 001): ?token=<jwt>, room.join, webrtc.offer/answer/iceCandidate;
//          options {"tokenA","tokenB","idA","idB"} (the caller mints the tokens); also checks that
//          ?token=garbage gets an `unauthorized` error and a 1008 close
//   peer1-peer2   the PEER1/PEER2 tutorial's timing (seed document 002) with v1 frames: PEER1's offer is held until PEER2 connects 2 s
//          later; each side sends its ICE candidates in one batch
//   mdn           the MDN sample, demoapp (seed document 003): ?roomId= only, {type:'offer',sdp}, {type:'new-ice-candidate',candidate}
//   go-room-hub   the Go room hub (seed document 004): POST /rooms/join, then ?roomId=&ClientId=, v1 frames with from/to
//   mixed         a Go room hub (v1) peer and an MDN sample peer in one room
//
// jsonOptions may also give {"room": "<name>"} (default: a random room per run; go-room-hub and mixed take the
// room from POST /rooms/join).
//
// Every scenario ends with an open RTCDataChannel and one message each way (A sends hello-from-A, B
// replies hello-from-B). One JSON line on stdout:
//   {"ok":true,"scenario":"mdn","connectMs":...,"totalMs":...,"facts":{...}}   exit 0
//   {"ok":false,"scenario":"mdn","error":"..."}                                exit 1 (diagnostics, with
//                                                                               every frame received per
//                                                                               peer, on stderr)
// facts: what the run observed, e.g. peer1-peer2 offerAfterPeer2OpenMs (how long after PEER2's socket opened the
// held offer arrived), simple-peer offerAfterHelloMs, private-meet garbageTokenClose / iceCandidateFallback, mixed mdnPeerId.
// Loopback only: iceServers is always empty and ICE candidates whose candidate string lacks 127.0.0.1
// are dropped before signaling. Set E2E_VERBOSE=1 to get the trace on stderr when the run succeeds.
//
// Where a client departs from its document's letter, and why:
// - all: iceServers [] instead of the documents' public STUN servers; non-127.0.0.1 candidates dropped;
//   every client ignores frames of types its document does not handle, but the run fails on a hub
//   `error` frame and on frames a dialect must never get (docs/protocol.md).
// - simple-peer: the documents' "user clicks Initiate" is right after hello; poopush connects once
//   poopush_controller's offer is sent, so the hub must hold it.
// - private-meet: step 15 reads setRemoteDescription(message.sdp), but the frames carry the SDP in data.sdp (as
//   step 10 reads it): the answer is set from {type:'answer', sdp: message.data.sdp}. onicecandidate is
//   registered when the RTCPeerConnection is created (step 16 shows it after the offer). If wrtc refused
//   addIceCandidate({candidate}) alone, it would retry with data.sdpMid/sdpMLineIndex (facts say so).
// - peer1-peer2: the document's buttons become timers: PEER2 opens 2 s after PEER1's offer; each side's batch is
//   sent once its ICE gathering is complete. PEER1 follows steps 24-26 in order: buffer PEER2's
//   candidates, send its own, setRemoteDescription(answer), then add the buffered ones.
// - mdn: the document shows no handleOffer; B's is the usual MDN one (setRemoteDescription(new
//   RTCSessionDescription(message.sdp)), createAnswer, setLocalDescription, send {type:'answer', sdp:
//   pc.localDescription}). JSON.stringify of wrtc's description and candidate calls their toJSON, so
//   the objects are sent as the document does.
'use strict';

const wrtc = require('@roamhq/wrtc');
const WebSocket = require('ws');

const { RTCPeerConnection, RTCSessionDescription, RTCIceCandidate } = wrtc;

const OVERALL_TIMEOUT_MS = 20000;
const CLOSE_GRACE_MS = 2000;
const S2_PEER2_DELAY_MS = 2000;
const PC_CONFIG = { iceServers: [] };
const SCENARIOS = ['simple-peer', 'private-meet', 'peer1-peer2', 'mdn', 'go-room-hub', 'mixed'];
const USAGE = `usage: node dialects.js <${SCENARIOS.join('|')}> <httpBase> [jsonOptions]`;

const start = Date.now();
const trace = [];
const log = (...parts) => trace.push(`+${String(Date.now() - start).padStart(5)}ms ${parts.join(' ')}`);
const elapsed = () => Date.now() - start;

const [scenario, httpBaseArg, optionsArg] = process.argv.slice(2);
let finished = false;
let connectMs = null;
const facts = {};
const peers = []; // every client of the run (A, B, and probes)
const extraSockets = [];
let overallTimer = null;

// ---------------------------------------------------------------------------------------------------
// Run bookkeeping: result, diagnostics, cleanup
// ---------------------------------------------------------------------------------------------------

function makePeer(name) {
  const p = {
    name,
    id: null, // the peer id the hub knows it by, when it has one
    url: null,
    ws: null,
    pc: null,
    sp: null,
    dc: null,
    channelOpenAt: null,
    dataReceived: [],
    framesReceived: [], // every frame received, as parsed JSON (or the raw text)
    framesSent: [], // every frame sent, as the hub saw it (JSON round trip)
    droppedCandidates: [],
    wsClose: null,
    other: null,
    expect: [], // frames the other peer sent to this one, not received yet
  };
  peers.push(p);
  return p;
}

function summarize(frame) {
  if (!frame || typeof frame !== 'object') return String(frame);
  const shorten = (o) => {
    if (!o || typeof o !== 'object') return o;
    const copy = Array.isArray(o) ? o.map(shorten) : { ...o };
    if (!Array.isArray(o)) {
      for (const [k, v] of Object.entries(copy)) {
        if (k === 'sdp' && typeof v === 'string') copy[k] = `<sdp ${v.length} chars>`;
        else if (v && typeof v === 'object') copy[k] = shorten(v);
      }
    }
    return copy;
  };
  return JSON.stringify(shorten(frame));
}

function diagnostics() {
  return JSON.stringify(
    {
      scenario,
      room: facts.roomId || (typeof room === 'undefined' ? null : room),
      facts,
      peers: peers.map((p) => ({
        name: p.name,
        id: p.id,
        url: p.url,
        wsState: p.ws ? p.ws.readyState : null,
        wsClose: p.wsClose,
        pc: p.pc
          ? {
              signalingState: p.pc.signalingState,
              iceGatheringState: p.pc.iceGatheringState,
              iceConnectionState: p.pc.iceConnectionState,
              connectionState: p.pc.connectionState,
            }
          : null,
        channelOpenAtMs: p.channelOpenAt,
        dataReceived: p.dataReceived,
        droppedCandidates: p.droppedCandidates,
        framesSent: p.framesSent.map(summarize),
        framesReceived: p.framesReceived,
      })),
    },
    null,
    2,
  );
}

async function closeAll() {
  for (const p of peers) {
    try {
      if (p.sp) p.sp.destroy();
    } catch (e) {
      log(`${p.name} simple-peer destroy failed: ${e.message}`);
    }
    try {
      if (p.dc && p.dc.readyState !== 'closed') p.dc.close();
    } catch (e) {
      log(`${p.name} data channel close failed: ${e.message}`);
    }
    try {
      if (p.pc && p.pc.signalingState !== 'closed') p.pc.close();
    } catch (e) {
      log(`${p.name} peer connection close failed: ${e.message}`);
    }
  }
  const sockets = peers.map((p) => p.ws).concat(extraSockets).filter(Boolean);
  const closes = sockets.map(
    (ws) =>
      new Promise((resolve) => {
        if (ws.readyState === WebSocket.CLOSED) return resolve();
        ws.once('close', resolve);
        try {
          if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
          else ws.close(1000, 'done');
        } catch (e) {
          resolve();
        }
      }),
  );
  await Promise.race([Promise.all(closes), new Promise((r) => setTimeout(r, CLOSE_GRACE_MS))]);
  for (const ws of sockets) if (ws.readyState !== WebSocket.CLOSED) ws.terminate();
}

async function succeed() {
  if (finished) return;
  finished = true;
  clearTimeout(overallTimer);
  const totalMs = elapsed();
  log('exchange done');
  await closeAll().catch(() => {});
  if (process.env.E2E_VERBOSE) process.stderr.write('--- trace ---\n' + trace.join('\n') + '\n--- state ---\n' + diagnostics() + '\n');
  process.stdout.write(JSON.stringify({ ok: true, scenario, connectMs, totalMs, facts }) + '\n');
  process.exit(0);
}

async function fail(error) {
  if (finished) return;
  finished = true;
  clearTimeout(overallTimer);
  log(`FAIL: ${error}`);
  process.stdout.write(JSON.stringify({ ok: false, scenario: scenario || null, error }) + '\n');
  let state = '';
  try {
    state = diagnostics();
  } catch (e) {
    state = `diagnostics failed: ${e.message}`;
  }
  process.stderr.write('--- trace ---\n' + trace.join('\n') + '\n--- state ---\n' + state + '\n');
  await closeAll().catch(() => {});
  process.exit(1);
}

process.on('uncaughtException', (e) => fail(`uncaught exception: ${e && e.stack}`));
process.on('unhandledRejection', (e) => fail(`unhandled rejection: ${e && (e.stack || e)}`));

// ---------------------------------------------------------------------------------------------------
// Arguments
// ---------------------------------------------------------------------------------------------------

function usage(message) {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.stdout.write(JSON.stringify({ ok: false, scenario: scenario || null, error: `${message}; ${USAGE}` }) + '\n');
  process.exit(1);
}

if (!SCENARIOS.includes(scenario)) usage(`unknown scenario '${scenario}'`);
let httpBase;
try {
  httpBase = new URL(httpBaseArg);
  if (httpBase.protocol !== 'http:' && httpBase.protocol !== 'https:') throw new Error('not http(s)');
} catch (e) {
  usage(`invalid httpBase '${httpBaseArg}': ${e.message}`);
}
let options = {};
if (optionsArg) {
  try {
    options = JSON.parse(optionsArg);
    if (!options || typeof options !== 'object' || Array.isArray(options)) throw new Error('not a JSON object');
  } catch (e) {
    usage(`invalid jsonOptions: ${e.message}`);
  }
}
const HTTP_BASE = `${httpBase.protocol}//${httpBase.host}`;
const WS_BASE = `${httpBase.protocol === 'https:' ? 'wss:' : 'ws:'}//${httpBase.host}`;
// room names are [A-Za-z0-9_-]{1,64}
const room = options.room || `dlg-${scenario}-${Math.random().toString(36).slice(2, 10)}`;

// ---------------------------------------------------------------------------------------------------
// Helpers shared by the clients
// ---------------------------------------------------------------------------------------------------

function wsUrl(params) {
  const u = new URL(`${WS_BASE}/ws`);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u.toString();
}

/** Deep equality of two JSON values, ignoring key order. */
function jsonEqual(a, b) {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && jsonEqual(a[k], b[k]));
}

/** Fails the run unless cond; returns cond so callers can stop handling the frame. */
function check(p, cond, what, frame) {
  if (!cond) fail(`${p.name}: protocol violation: ${what}${frame !== undefined ? `; frame=${summarize(frame)}` : ''}`);
  return cond;
}

/** Loopback-only fallback for runs outside a loopback-only namespace. */
function isLoopbackCandidate(p, candidateString) {
  if (typeof candidateString === 'string' && candidateString.includes('127.0.0.1')) return true;
  p.droppedCandidates.push(candidateString);
  log(`${p.name} dropped non-loopback candidate: ${candidateString}`);
  return false;
}

/**
 * Opens a WebSocket for p. handlers.open() on open, handlers.message(frame) for every parsed frame;
 * error frames fail the run unless handlers.error(frame) returns true. Every frame is recorded.
 */
function openSocket(p, url, handlers) {
  p.url = url;
  log(`${p.name} connects to ${url}`);
  const ws = new WebSocket(url, { handshakeTimeout: 5000 });
  p.ws = ws;
  ws.on('open', () => {
    log(`${p.name} socket open`);
    if (handlers.open) handlers.open();
  });
  ws.on('message', (raw, isBinary) => {
    if (isBinary) {
      p.framesReceived.push(`<binary ${raw.length} bytes>`);
      fail(`${p.name}: hub sent a binary frame`);
      return;
    }
    const text = raw.toString();
    let frame;
    try {
      frame = JSON.parse(text);
    } catch (e) {
      p.framesReceived.push(text);
      fail(`${p.name}: hub sent a frame that is not JSON: ${text.slice(0, 200)}`);
      return;
    }
    p.framesReceived.push(frame);
    if (!frame || typeof frame !== 'object' || typeof frame.type !== 'string') {
      fail(`${p.name}: hub sent a frame without type: ${text.slice(0, 200)}`);
      return;
    }
    log(`${p.name} <- ${summarize(frame)}`);
    if (finished) return;
    if (frame.type === 'error') {
      if (handlers.error && handlers.error(frame)) return;
      const d = frame.data || {};
      fail(`${p.name}: hub error ${d.code}: ${d.message} (refused ${d.type}${d.to ? ' to ' + d.to : ''})`);
      return;
    }
    try {
      handlers.message(frame);
    } catch (e) {
      fail(`${p.name}: handling ${frame.type} threw: ${e && e.stack}`);
    }
  });
  ws.on('error', (e) => fail(`${p.name}: WebSocket error: ${e.message}`));
  ws.on('close', (code, reason) => {
    p.wsClose = { code, reason: reason.toString() };
    log(`${p.name} socket closed ${code} ${reason}`);
    if (handlers.close && handlers.close(code, reason.toString())) return;
    if (!finished) fail(`${p.name}: WebSocket closed (${code} ${reason}) before the exchange finished`);
  });
  return ws;
}

// frame types a hub forwards to the other peer (in any dialect)
const FORWARDED_TYPES = new Set(['signal', 'webrtc.offer', 'webrtc.answer', 'webrtc.iceCandidate', 'offer', 'answer', 'ice-candidate', 'new-ice-candidate']);

/**
 * Sends obj as JSON and records it as the hub sees it (a JSON round trip). A frame meant for the other
 * peer is also queued in p.other.expect: messages from one sender to one recipient arrive in order, so
 * each forwarded frame is checked against the head of that queue.
 */
function sendJson(p, obj) {
  if (finished) return;
  if (!p.ws || p.ws.readyState !== WebSocket.OPEN) {
    fail(`${p.name}: cannot send ${obj && obj.type}, socket not open`);
    return;
  }
  const text = JSON.stringify(obj);
  p.ws.send(text);
  const seen = JSON.parse(text);
  p.framesSent.push(seen);
  if (p.other && FORWARDED_TYPES.has(seen.type)) p.other.expect.push(seen);
  log(`${p.name} -> ${summarize(seen)}`);
}

/** The oldest frame p.other sent that p has not received yet. */
function nextSent(p) {
  return p.expect.shift();
}

/** A (RTCPeerConnection) peer's data channel: A says hello-from-A on open, B answers hello-from-B. */
function attachChannel(p, dc) {
  p.dc = dc;
  const opened = () => {
    if (p.channelOpenAt !== null) return;
    p.channelOpenAt = elapsed();
    log(`${p.name} data channel '${dc.label}' open`);
    channelOpened();
    if (p.role === 'A') dc.send('hello-from-A');
  };
  dc.onopen = opened;
  dc.onmessage = (event) => onData(p, typeof event.data === 'string' ? event.data : Buffer.from(event.data).toString());
  dc.onerror = (e) => fail(`${p.name}: data channel error: ${e && (e.message || (e.error && e.error.message))}`);
  dc.onclose = () => {
    log(`${p.name} data channel closed`);
    if (!finished) fail(`${p.name}: data channel closed before the exchange finished`);
  };
  if (dc.readyState === 'open') opened();
}

function channelOpened() {
  const [A, B] = [roles.A, roles.B];
  if (connectMs === null && A && B && A.channelOpenAt !== null && B.channelOpenAt !== null) {
    connectMs = Math.max(A.channelOpenAt, B.channelOpenAt);
  }
  maybeSucceed();
}

/** Done when both data channels reported open and each side got the other's message. */
function maybeSucceed() {
  const [A, B] = [roles.A, roles.B];
  if (connectMs !== null && A.dataReceived.includes('hello-from-B') && B.dataReceived.includes('hello-from-A')) succeed();
}

function onData(p, text) {
  log(`${p.name} received data: ${text}`);
  p.dataReceived.push(text);
  if (p.role === 'B' && text === 'hello-from-A') {
    if (p.sp) p.sp.send('hello-from-B');
    else p.dc.send('hello-from-B');
  }
  // simple-peer reports 'connect' only once it has read the selected candidate pair from the stats, so
  // its data may come first: then the run ends when the late 'connect' comes
  maybeSucceed();
}

function newPeerConnection(p) {
  const pc = new RTCPeerConnection(PC_CONFIG);
  p.pc = pc;
  pc.oniceconnectionstatechange = () => log(`${p.name} ice=${pc.iceConnectionState}`);
  pc.onconnectionstatechange = () => {
    log(`${p.name} connection=${pc.connectionState}`);
    if (pc.connectionState === 'failed' && !finished) fail(`${p.name}: peer connection failed`);
  };
  pc.onicegatheringstatechange = () => log(`${p.name} gathering=${pc.iceGatheringState}`);
  return pc;
}

/** Resolves when pc's ICE gathering is complete. */
function gatheringComplete(pc) {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const prev = pc.onicegatheringstatechange;
    pc.onicegatheringstatechange = (e) => {
      if (prev) prev(e);
      if (pc.iceGatheringState === 'complete') resolve();
    };
  });
}


const roles = {};

// ---------------------------------------------------------------------------------------------------
// simple-peer: SimplePeer hello/signal (seed 000)
// ---------------------------------------------------------------------------------------------------

function runSimplePeer() {
  const SimplePeer = require('simple-peer');
  const A = makePeer('poopush_controller'); // initiator
  const B = makePeer('poopush'); // non-initiator
  A.role = 'A';
  B.role = 'B';
  roles.A = A;
  roles.B = B;
  A.id = 'poopush_controller';
  B.id = 'poopush';
  A.other = B;
  B.other = A;
  let bStarted = false;

  const client = (p, initiator) => {
    openSocket(p, wsUrl({ roomId: room }), {
      open: () => {
        // socket.onopen -> registration message
        sendJson(p, { type: 'hello', id: p.id });
        p.helloAt = elapsed();
        // "User clicks Initiate" -> SimplePeer({ initiator })
        const peer = new SimplePeer({ initiator, wrtc, config: PC_CONFIG, trickle: true });
        p.sp = peer;
        peer.on('signal', (data) => {
          if (data && data.type === 'candidate' && data.candidate && !isLoopbackCandidate(p, data.candidate.candidate)) return;
          sendJson(p, { type: 'signal', id: p.id, to: p.other.id, data });
          // B connects once A's offer is on its way: the hub must hold it until B says hello
          if (p === A && !bStarted && data && data.type === 'offer') {
            bStarted = true;
            facts.offerSentAtMs = elapsed();
            client(B, false);
          }
        });
        peer.on('connect', () => {
          p.channelOpenAt = elapsed();
          log(`${p.name} simple-peer connect`);
          channelOpened();
          if (p === A) peer.send('hello-from-A');
        });
        peer.on('data', (d) => onData(p, d.toString()));
        peer.on('error', (e) => fail(`${p.name} simple-peer error: ${e && (e.code || '')} ${e && e.message}`));
        peer.on('close', () => {
          log(`${p.name} simple-peer closed`);
          if (!finished) fail(`${p.name}: simple-peer closed before the exchange finished`);
        });
      },
      message: (frame) => {
        // the hub sends nothing else to a SimplePeer client except error frames
        if (!check(p, frame.type === 'signal', `a SimplePeer client must only get 'signal' (or 'error') frames`, frame)) return;
        if (!check(p, frame.id === p.other.id, `signal.id must be the sender '${p.other.id}'`, frame)) return;
        if (!check(p, frame.to === p.id, `signal.to must be '${p.id}'`, frame)) return;
        if (!check(p, frame.data && typeof frame.data === 'object', 'signal.data must be an object', frame)) return;
        // data as the sender wrote it
        const sent = nextSent(p);
        if (!check(p, sent !== undefined && jsonEqual(sent.data, frame.data), `signal.data must be what ${p.other.name} wrote (${summarize(sent)})`, frame)) return;
        if (p === B && frame.data.type === 'offer' && facts.offerAfterHelloMs === undefined) {
          // the offer was sent before B said hello: the hub held it
          facts.offerAfterHelloMs = elapsed() - B.helloAt;
        }
        p.sp.signal(frame.data);
      },
    });
  };

  client(A, true);
}

// ---------------------------------------------------------------------------------------------------
// private-meet: Private Meet (seed 001)
// ---------------------------------------------------------------------------------------------------

function runPrivateMeet() {
  for (const k of ['tokenA', 'tokenB', 'idA', 'idB']) {
    if (typeof options[k] !== 'string' || !options[k]) return fail(`private-meet needs jsonOptions.${k} (a string)`);
  }
  facts.iceCandidateFallback = false;

  // negative check first: a garbage token gets `unauthorized` and a 1008 close
  const probe = makePeer('probe-garbage-token');
  let probeError = null;
  openSocket(probe, wsUrl({ token: 'garbage' }), {
    message: (frame) => fail(`${probe.name}: expected only an unauthorized error, got ${summarize(frame)}`),
    error: (frame) => {
      probeError = frame;
      const d = frame.data || {};
      check(probe, d.code === 'unauthorized', "data.code must be 'unauthorized'", frame);
      check(probe, frame.room === undefined && frame.from === undefined, 'error frames carry no room and no from', frame);
      return true;
    },
    close: (code) => {
      if (!check(probe, probeError !== null, `an 'error' frame must come before the close (close ${code})`)) return true;
      if (!check(probe, code === 1008, `close code must be 1008, was ${code}`)) return true;
      facts.garbageTokenClose = code;
      log('negative check passed: unauthorized + 1008');
      runCall();
      return true;
    },
  });

  function runCall() {
    const A = makePeer(options.idA);
    const B = makePeer(options.idB);
    A.role = 'A';
    B.role = 'B';
    roles.A = A;
    roles.B = B;
    A.id = options.idA;
    B.id = options.idB;
    A.other = B;
    B.other = A;

    const client = (p, token, onJoined) => {
      let remoteUserId = null;
      let peerConnection = null;
      let started = false;

      // 2. A peer decides to initiate a connection
      async function startCall(to) {
        if (started) return;
        started = true;
        remoteUserId = to;
        // 3. RTCPeerConnection is created (iceServers: [] instead of the document's public STUN server)
        peerConnection = newPeerConnection(p);
        // 16. ICE candidate gathering begins (handler registered before setLocalDescription starts gathering)
        peerConnection.onicecandidate = onIceCandidate;
        // 4. data channel
        attachChannel(p, peerConnection.createDataChannel('chat'));
        // 6.-8.
        const offer = await peerConnection.createOffer();
        await peerConnection.setLocalDescription(offer);
        sendJson(p, { type: 'webrtc.offer', room, data: { sdp: offer.sdp, to: remoteUserId } });
      }

      function onIceCandidate(event) {
        if (event.candidate) {
          if (!isLoopbackCandidate(p, event.candidate.candidate)) return;
          sendJson(p, { type: 'webrtc.iceCandidate', room, data: { candidate: event.candidate.candidate, to: remoteUserId } });
        }
      }

      // 9./14. onSignalingMessage(message)
      async function onSignalingMessage(message) {
        switch (message.type) {
          case 'room.joined': {
            if (!check(p, message.room === room, `room.joined.room must be '${room}'`, message)) return;
            if (!check(p, message.data && message.data.id === p.id, `room.joined.data.id must be '${p.id}' (the token's sub)`, message)) return;
            if (!check(p, Array.isArray(message.data.peers) && !message.data.peers.includes(p.id), 'room.joined.data.peers must be an array without yourself', message)) return;
            if (p === B && !check(p, message.data.peers.includes(A.id), `room.joined.data.peers must include '${A.id}'`, message)) return;
            onJoined();
            if (p === A && message.data.peers.includes(B.id)) await startCall(B.id);
            return;
          }
          case 'room.peerJoined': {
            if (!check(p, message.room === room, `room.peerJoined.room must be '${room}'`, message)) return;
            if (!check(p, message.data && typeof message.data.id === 'string', 'room.peerJoined.data.id must be a string', message)) return;
            if (!check(p, message.from === message.data.id, 'room.peerJoined.from must be data.id', message)) return;
            if (p === A && message.data.id === B.id) await startCall(B.id);
            return;
          }
          case 'webrtc.offer': {
            if (!checkForwarded(message)) return;
            remoteUserId = message.from;
            started = true;
            peerConnection = newPeerConnection(p);
            peerConnection.onicecandidate = onIceCandidate;
            peerConnection.ondatachannel = (event) => attachChannel(p, event.channel);
            // 10.-13.
            await peerConnection.setRemoteDescription({ type: 'offer', sdp: message.data.sdp });
            const answer = await peerConnection.createAnswer();
            await peerConnection.setLocalDescription(answer);
            sendJson(p, { type: 'webrtc.answer', room, data: { sdp: answer.sdp, to: remoteUserId } });
            return;
          }
          case 'webrtc.answer': {
            if (!checkForwarded(message)) return;
            // 15. The document writes setRemoteDescription(message.sdp), but its frames carry the SDP in
            // data.sdp (step 10 reads it there): read it like step 10 does.
            await peerConnection.setRemoteDescription({ type: 'answer', sdp: message.data.sdp });
            return;
          }
          case 'webrtc.iceCandidate': {
            if (!checkForwarded(message)) return;
            // 17.
            try {
              await peerConnection.addIceCandidate({ candidate: message.data.candidate });
            } catch (e) {
              // fallback: pass the sdpMid/sdpMLineIndex the hub may have added
              facts.iceCandidateFallback = true;
              log(`${p.name} addIceCandidate({candidate}) rejected (${e.message}); retrying with sdpMid/sdpMLineIndex`);
              await peerConnection.addIceCandidate({
                candidate: message.data.candidate,
                sdpMid: message.data.sdpMid,
                sdpMLineIndex: message.data.sdpMLineIndex,
              });
            }
            return;
          }
          default:
            log(`${p.name} ignored ${message.type}`);
        }
      }

      function checkForwarded(message) {
        if (!check(p, message.from === p.other.id, `forwarded ${message.type}.from must be '${p.other.id}'`, message)) return false;
        if (!check(p, message.room === room, `forwarded ${message.type}.room must be '${room}'`, message)) return false;
        if (!check(p, message.data && typeof message.data === 'object', `forwarded ${message.type}.data must be an object`, message)) return false;
        if (!check(p, message.data.to === p.id, `forwarded ${message.type}.data.to must be '${p.id}'`, message)) return false;
        const field = message.type === 'webrtc.iceCandidate' ? 'candidate' : 'sdp';
        if (!check(p, typeof message.data[field] === 'string', `forwarded ${message.type}.data.${field} must be a string`, message)) return false;
        const sent = nextSent(p);
        return check(
          p,
          sent && sent.type === message.type && sent.data[field] === message.data[field],
          `forwarded ${message.type} differs from what ${p.other.name} sent (${summarize(sent)})`,
          message,
        );
      }

      openSocket(p, wsUrl({ token }), {
        open: () => sendJson(p, { type: 'room.join', room }),
        message: (message) =>
          onSignalingMessage(message).catch((e) => fail(`${p.name}: handling ${message.type} failed: ${e && (e.stack || e)}`)),
      });
    };

    client(A, options.tokenA, () => {
      if (!B.ws) client(B, options.tokenB, () => {});
    });
  }
}

// ---------------------------------------------------------------------------------------------------
// peer1-peer2: PEER1 / PEER2 timing (seed 002), v1 frames
// ---------------------------------------------------------------------------------------------------

function runPeer1Peer2() {
  const P1 = makePeer('peer1');
  const P2 = makePeer('peer2');
  P1.role = 'A';
  P2.role = 'B';
  roles.A = P1;
  roles.B = P2;
  P1.id = 'peer1';
  P2.id = 'peer2';
  P1.other = P2;
  P2.other = P1;

  const checkForwarded = (p, frame) => {
    if (!check(p, frame.from === p.other.id, `forwarded ${frame.type}.from must be '${p.other.id}'`, frame)) return false;
    if (!check(p, frame.to === p.id, `forwarded ${frame.type}.to must be '${p.id}'`, frame)) return false;
    if (!check(p, frame.room === room, `forwarded ${frame.type}.room must be '${room}'`, frame)) return false;
    const sent = nextSent(p);
    return check(
      p,
      sent && sent.type === frame.type && jsonEqual(sent.data, frame.data),
      `forwarded ${frame.type} differs from what ${p.other.name} sent (${summarize(sent)})`,
      frame,
    );
  };
  const checkWelcome = (p, frame) => {
    if (!check(p, frame.room === room && frame.to === p.id, `welcome must name room '${room}' and to '${p.id}'`, frame)) return false;
    if (!check(p, frame.data && frame.data.id === p.id && Array.isArray(frame.data.peers), `welcome.data must be {id:'${p.id}', peers:[...]}`, frame)) return false;
    return true;
  };

  // ---- PEER1 ----
  const p1Candidates = []; // 7. collected, sent only after the answer (9.)
  const p1Remote = []; // 24. PEER2's candidates, buffered until the remote description is set
  let p1RemoteSet = false;
  let p1Welcomed = false;
  openSocket(P1, wsUrl({ roomId: room, ClientId: P1.id }), {
    message: (frame) => {
      switch (frame.type) {
        case 'welcome': {
          if (!checkWelcome(P1, frame) || p1Welcomed) return;
          p1Welcomed = true;
          check(P1, !frame.data.peers.includes(P2.id), "peer2 must not be in the room yet", frame);
          peer1SendsOffer().catch((e) => fail(`peer1: offer failed: ${e && (e.stack || e)}`));
          return;
        }
        case 'peer-joined':
          log(`peer1: ${frame.data && frame.data.id} joined`);
          return;
        case 'answer': {
          if (!checkForwarded(P1, frame)) return;
          peer1GetsAnswer(frame).catch((e) => fail(`peer1: answer failed: ${e && (e.stack || e)}`));
          return;
        }
        case 'ice-candidate': {
          if (!checkForwarded(P1, frame)) return;
          if (p1RemoteSet) P1.pc.addIceCandidate(frame.data).catch((e) => fail(`peer1: addIceCandidate failed: ${e.message}`));
          else p1Remote.push(frame.data);
          return;
        }
        default:
          check(P1, false, `unexpected frame type '${frame.type}'`, frame);
      }
    },
  });

  async function peer1SendsOffer() {
    // 1.-2. RTCPeerConnection (no STUN: loopback only) and its listeners
    const pc = newPeerConnection(P1);
    pc.onicecandidate = (event) => {
      if (event.candidate) p1Candidates.push(event.candidate);
    };
    // 3.-4. data channel
    attachChannel(P1, pc.createDataChannel('chat'));
    // 5.-6.
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    // 8. the offer goes out now, before PEER2 has opened the page
    sendJson(P1, { type: 'offer', to: P2.id, data: { type: 'offer', sdp: offer.sdp } });
    facts.offerSentAtMs = elapsed();
    // 11. PEER2 loads the page later
    setTimeout(peer2LoadsPage, S2_PEER2_DELAY_MS);
  }

  async function peer1GetsAnswer(frame) {
    // 25. PEER1 sends all of its ICE candidates in one batch
    await gatheringComplete(P1.pc);
    let sent = 0;
    for (const c of p1Candidates) {
      if (!isLoopbackCandidate(P1, c.candidate)) continue;
      sendJson(P1, { type: 'ice-candidate', to: P2.id, data: c.toJSON() });
      sent++;
    }
    facts.peer1CandidatesSent = sent;
    // 26. PEER1 sets the remote description, then adds the buffered candidates of PEER2
    await P1.pc.setRemoteDescription(frame.data);
    p1RemoteSet = true;
    for (const c of p1Remote.splice(0)) await P1.pc.addIceCandidate(c);
  }

  // ---- PEER2 ----
  let p2OpenAt = null;
  let p2Welcomed = false;
  const p2Candidates = []; // 20.
  function peer2LoadsPage() {
    if (finished) return;
    openSocket(P2, wsUrl({ roomId: room, ClientId: P2.id }), {
      open: () => {
        p2OpenAt = elapsed();
      },
      message: (frame) => {
        switch (frame.type) {
          case 'welcome': {
            if (!checkWelcome(P2, frame) || p2Welcomed) return;
            p2Welcomed = true;
            check(P2, frame.data.peers.includes(P1.id), "peer2's welcome.data.peers must include 'peer1'", frame);
            return;
          }
          case 'offer': {
            // the held offer is written right after welcome, never before it
            if (!check(P2, p2Welcomed, 'the held offer must come after welcome', frame)) return;
            if (!checkForwarded(P2, frame)) return;
            facts.offerAfterPeer2OpenMs = elapsed() - p2OpenAt;
            facts.offerHeldMs = elapsed() - facts.offerSentAtMs;
            peer2Answers(frame).catch((e) => fail(`peer2: answer failed: ${e && (e.stack || e)}`));
            return;
          }
          case 'ice-candidate': {
            if (!checkForwarded(P2, frame)) return;
            P2.pc.addIceCandidate(frame.data).catch((e) => fail(`peer2: addIceCandidate failed: ${e.message}`));
            return;
          }
          default:
            check(P2, false, `unexpected frame type '${frame.type}'`, frame);
        }
      },
    });
  }

  async function peer2Answers(frame) {
    // 13.-16. RTCPeerConnection, listener for the data channel
    const pc = newPeerConnection(P2);
    pc.ondatachannel = (event) => attachChannel(P2, event.channel);
    pc.onicecandidate = (event) => {
      if (event.candidate) p2Candidates.push(event.candidate);
    };
    // 17.-19.
    await pc.setRemoteDescription(frame.data);
    const answer = await pc.createAnswer();
    await pc.setLocalDescription(answer);
    // 21.
    sendJson(P2, { type: 'answer', to: P1.id, data: { type: 'answer', sdp: answer.sdp } });
    // 22. all of PEER2's candidates in one batch, once gathering is complete
    await gatheringComplete(pc);
    let sent = 0;
    for (const c of p2Candidates) {
      if (!isLoopbackCandidate(P2, c.candidate)) continue;
      sendJson(P2, { type: 'ice-candidate', to: P1.id, data: c.toJSON() });
      sent++;
    }
    facts.peer2CandidatesSent = sent;
  }
}

// ---------------------------------------------------------------------------------------------------
// mdn (MDN demoapp, seed 003) and the MDN side of `mixed`
// ---------------------------------------------------------------------------------------------------

/**
 * The client of seed 003. offerer: creates the offer once startOffer() is called. Frames the other peer
 * sent are checked against p.expectFrame(frame) (set by the scenario) before the document's switch.
 */
function mdnClient(p, url, { offerer, onOpen }) {
  const peerConnection = newPeerConnection(p);
  if (offerer) attachChannel(p, peerConnection.createDataChannel('chat'));
  else peerConnection.ondatachannel = (event) => attachChannel(p, event.channel);

  function sendToSignalingChannel(data) {
    sendJson(p, data);
  }

  // # Listen for ICE Candidates
  peerConnection.onicecandidate = (event) => {
    if (event.candidate) {
      if (!isLoopbackCandidate(p, event.candidate.candidate)) return;
      // Send the candidate to the remote peer through your signaling channel
      sendToSignalingChannel({
        type: 'new-ice-candidate',
        candidate: event.candidate,
      });
    }
  };

  // handleOffer is not shown by the document; the usual MDN answerer
  function handleOffer(message) {
    peerConnection
      .setRemoteDescription(new RTCSessionDescription(message.sdp))
      .then(() => peerConnection.createAnswer())
      .then((answer) => peerConnection.setLocalDescription(answer))
      .then(() => {
        sendToSignalingChannel({
          type: 'answer',
          sdp: peerConnection.localDescription,
        });
      })
      .catch((error) => fail(`${p.name}: Error handling the offer: ${error && (error.stack || error)}`));
  }

  // # handling the Answer
  function handleAnswer(message) {
    const desc = new RTCSessionDescription(message.sdp);
    peerConnection.setRemoteDescription(desc).catch((error) => fail(`${p.name}: Error setting remote description: ${error}`));
  }

  // # handling incoming ICE candidates
  function handleNewIceCandidateMsg(message) {
    const candidate = new RTCIceCandidate(message.candidate);
    peerConnection.addIceCandidate(candidate).catch((error) => fail(`${p.name}: Error adding received ICE candidate: ${error}`));
  }

  function startOffer() {
    // # creating an offer
    peerConnection
      .createOffer()
      .then((offer) => peerConnection.setLocalDescription(offer))
      .then(() => {
        // Send the offer to the remote peer via your signaling channel
        sendToSignalingChannel({
          type: 'offer',
          sdp: peerConnection.localDescription,
        });
      })
      .catch((error) => fail(`${p.name}: Error creating an offer: ${error && (error.stack || error)}`));
  }

  const signalingChannel = openSocket(p, url, {
    open: () => onOpen && onOpen(),
    message: (data) => {
      // the hub sends nothing else to an MDN client except error frames
      if (!check(p, ['offer', 'answer', 'new-ice-candidate'].includes(data.type), `an MDN client must only get offer/answer/new-ice-candidate (or error) frames`, data)) return;
      if (p.expectFrame && !p.expectFrame(data)) return;
      // signalingChannel.onmessage, as in the document
      switch (data.type) {
        case 'offer':
          handleOffer(data);
          break;
        case 'answer':
          handleAnswer(data);
          break;
        case 'new-ice-candidate':
          handleNewIceCandidateMsg(data);
          break;
      }
    },
  });
  return { startOffer, signalingChannel };
}

function runMdn() {
  const A = makePeer('A-mdn');
  const B = makePeer('B-mdn');
  A.role = 'A';
  B.role = 'B';
  roles.A = A;
  roles.B = B;
  A.other = B;
  B.other = A;
  // same shape: what one MDN peer receives is exactly what the other sent
  for (const p of [A, B]) {
    p.expectFrame = (frame) => {
      const sent = nextSent(p);
      return check(p, sent !== undefined && jsonEqual(sent, frame), `forwarded frame must be exactly what ${p.other.name} sent (${summarize(sent)})`, frame);
    };
  }
  let open = 0;
  const bothOpen = () => {
    if (++open === 2) {
      log('both sockets open: A creates the offer');
      a.startOffer();
    }
  };
  const a = mdnClient(A, wsUrl({ roomId: room }), { offerer: true, onOpen: bothOpen });
  mdnClient(B, wsUrl({ roomId: room }), { offerer: false, onOpen: bothOpen });
}

// ---------------------------------------------------------------------------------------------------
// go-room-hub (Go hub, seed 004) and the v1 side of `mixed`
// ---------------------------------------------------------------------------------------------------

async function restJoin(body) {
  const init = { method: 'POST' };
  if (body !== undefined) {
    init.headers = { 'content-type': 'application/json' };
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(`${HTTP_BASE}/rooms/join`, { ...init, signal: AbortSignal.timeout(5000) });
  } catch (e) {
    throw new Error(`POST ${HTTP_BASE}/rooms/join failed: ${e.message}${e.cause ? ` (${e.cause.message || e.cause})` : ''}`);
  }
  const text = await res.text();
  log(`POST /rooms/join ${body === undefined ? '(no body)' : JSON.stringify(body)} -> ${res.status} ${text}`);
  if (res.status !== 200) throw new Error(`POST /rooms/join ${body === undefined ? '(no body)' : JSON.stringify(body)} answered ${res.status} ${text}`);
  let json;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`POST /rooms/join answered non-JSON: ${text.slice(0, 200)}`);
  }
  if (!json || typeof json.roomId !== 'string' || typeof json.clientId !== 'string') {
    throw new Error(`POST /rooms/join must answer {roomId, clientId} strings, got ${text.slice(0, 200)}`);
  }
  return json;
}

/**
 * The client of seed 004: v1 frames with from/to. offerer: offers to the first peer-joined whose id
 * passes acceptPeer. Checks forwarded frames through p.checkForwarded(frame).
 */
function goHubClient(p, { roomId, clientId, offerer, acceptPeer, onWelcome }) {
  let remote = null;
  let pc = null;
  let welcomed = false;

  const makePc = () => {
    pc = newPeerConnection(p);
    pc.onicecandidate = (event) => {
      if (event.candidate) {
        if (!isLoopbackCandidate(p, event.candidate.candidate)) return;
        sendJson(p, { type: 'ice-candidate', from: p.id, to: remote, data: event.candidate.toJSON() });
      }
    };
    return pc;
  };

  async function offerTo(peerId) {
    remote = peerId;
    makePc();
    attachChannel(p, pc.createDataChannel('chat'));
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    sendJson(p, { type: 'offer', from: p.id, to: remote, data: { type: 'offer', sdp: offer.sdp } });
  }

  async function answer(frame) {
    remote = frame.from;
    makePc();
    pc.ondatachannel = (event) => attachChannel(p, event.channel);
    await pc.setRemoteDescription(frame.data);
    const ans = await pc.createAnswer();
    await pc.setLocalDescription(ans);
    sendJson(p, { type: 'answer', from: p.id, to: remote, data: { type: 'answer', sdp: ans.sdp } });
  }

  openSocket(p, wsUrl({ roomId, ClientId: clientId }), {
    message: (frame) => {
      switch (frame.type) {
        case 'welcome': {
          if (!check(p, !welcomed, 'a second welcome', frame)) return;
          welcomed = true;
          if (!check(p, frame.room === roomId, `welcome.room must be '${roomId}'`, frame)) return;
          if (!check(p, frame.to === p.id, `welcome.to must be '${p.id}'`, frame)) return;
          if (!check(p, frame.data && frame.data.id === p.id, `welcome.data.id must be '${p.id}'`, frame)) return;
          if (!check(p, Array.isArray(frame.data.peers) && !frame.data.peers.includes(p.id), 'welcome.data.peers must be an array without yourself', frame)) return;
          if (onWelcome) onWelcome(frame);
          return;
        }
        case 'peer-joined': {
          if (!check(p, frame.room === roomId, `peer-joined.room must be '${roomId}'`, frame)) return;
          if (!check(p, frame.data && typeof frame.data.id === 'string', 'peer-joined.data.id must be a string', frame)) return;
          if (offerer && !pc && acceptPeer(frame.data.id)) {
            offerTo(frame.data.id).catch((e) => fail(`${p.name}: offer failed: ${e && (e.stack || e)}`));
          }
          return;
        }
        case 'offer':
        case 'answer':
        case 'ice-candidate': {
          if (!check(p, welcomed, `${frame.type} before welcome`, frame)) return;
          if (!check(p, frame.room === roomId, `forwarded ${frame.type}.room must be '${roomId}'`, frame)) return;
          if (!p.checkForwarded(frame)) return;
          if (frame.type === 'offer') {
            if (!check(p, !offerer && !pc, 'unexpected offer', frame)) return;
            answer(frame).catch((e) => fail(`${p.name}: answer failed: ${e && (e.stack || e)}`));
          } else if (frame.type === 'answer') {
            if (!check(p, !!pc, 'answer without an offer', frame)) return;
            pc.setRemoteDescription(frame.data).catch((e) => fail(`${p.name}: setRemoteDescription(answer) failed: ${e}`));
          } else {
            if (!check(p, !!pc, 'ice-candidate before any peer connection', frame)) return;
            pc.addIceCandidate(frame.data).catch((e) => fail(`${p.name}: addIceCandidate failed: ${e}`));
          }
          return;
        }
        case 'peer-left':
          fail(`${p.name}: unexpected peer-left ${summarize(frame)}`);
          return;
        default:
          check(p, false, `unexpected frame type '${frame.type}'`, frame);
      }
    },
  });
}

async function runGoRoomHub() {
  const first = await restJoin(undefined);
  const second = await restJoin({ roomId: first.roomId });
  if (second.roomId !== first.roomId) return fail(`POST /rooms/join {roomId:'${first.roomId}'} answered roomId '${second.roomId}'`);
  if (second.clientId === first.clientId) return fail(`both POST /rooms/join answered clientId '${first.clientId}'`);
  facts.roomId = first.roomId;
  const A = makePeer('A-v1');
  const B = makePeer('B-v1');
  A.role = 'A';
  B.role = 'B';
  roles.A = A;
  roles.B = B;
  A.id = first.clientId;
  B.id = second.clientId;
  A.other = B;
  B.other = A;
  for (const p of [A, B]) {
    p.checkForwarded = (frame) => {
      if (!check(p, frame.from === p.other.id, `forwarded ${frame.type}.from must be the sender '${p.other.id}'`, frame)) return false;
      if (!check(p, frame.to === p.id, `forwarded ${frame.type}.to must be '${p.id}'`, frame)) return false;
      const sent = nextSent(p);
      return check(
        p,
        sent && sent.type === frame.type && jsonEqual(sent.data, frame.data),
        `forwarded ${frame.type}.data must equal what ${p.other.name} sent (${summarize(sent)})`,
        frame,
      );
    };
  }
  goHubClient(A, {
    roomId: first.roomId,
    clientId: A.id,
    offerer: true,
    acceptPeer: (id) => id === B.id,
    onWelcome: () => {
      goHubClient(B, {
        roomId: second.roomId,
        clientId: B.id,
        offerer: false,
        onWelcome: (w) => check(B, w.data.peers.includes(A.id), `B's welcome.data.peers must include '${A.id}'`, w),
      });
    },
  });
}

// ---------------------------------------------------------------------------------------------------
// mixed: a Go room hub (v1) peer A and an MDN sample peer B in one room
// ---------------------------------------------------------------------------------------------------

async function runMixed() {
  const joined = await restJoin(undefined);
  facts.roomId = joined.roomId;
  const A = makePeer('A-v1');
  const B = makePeer('B-mdn');
  A.role = 'A';
  B.role = 'B';
  roles.A = A;
  roles.B = B;
  A.id = joined.clientId;
  A.other = B;
  B.other = A;
  // B's id is the hub's choice, learnt by A from peer-joined
  A.checkForwarded = (frame) => {
    if (!check(A, frame.from === B.id, `forwarded ${frame.type}.from must be B's hub-assigned id '${B.id}'`, frame)) return false;
    // a message without `to` is a room broadcast: the forwarded frame has no `to` (or names A)
    if (!check(A, frame.to === undefined || frame.to === A.id, `forwarded ${frame.type}.to must be absent or '${A.id}'`, frame)) return false;
    if (frame.type === 'answer') facts.answerTo = frame.to === undefined ? '(absent)' : frame.to;
    const sent = nextSent(A);
    const sentData = sent && (sent.type === 'new-ice-candidate' ? sent.candidate : sent.sdp);
    const mapped = sent && (sent.type === 'new-ice-candidate' ? 'ice-candidate' : sent.type);
    return check(
      A,
      sent && mapped === frame.type && jsonEqual(sentData, frame.data),
      `forwarded ${frame.type}.data must equal what ${B.name} sent MDN-style (${summarize(sent)})`,
      frame,
    );
  };
  B.expectFrame = (frame) => {
    const sent = nextSent(B);
    const expected = sent && (sent.type === 'ice-candidate' ? { type: 'new-ice-candidate', candidate: sent.data } : { type: sent.type, sdp: sent.data });
    return check(B, expected !== undefined && jsonEqual(expected, frame), `MDN frame must be ${summarize(expected)} (A's v1 ${sent && sent.type} in MDN shape)`, frame);
  };
  goHubClient(A, {
    roomId: joined.roomId,
    clientId: A.id,
    offerer: true,
    acceptPeer: (id) => {
      if (id === A.id) return false;
      B.id = id;
      facts.mdnPeerId = id;
      return true;
    },
    onWelcome: () => mdnClient(B, wsUrl({ roomId: joined.roomId }), { offerer: false }),
  });
}

// ---------------------------------------------------------------------------------------------------

overallTimer = setTimeout(() => fail(`overall timeout after ${OVERALL_TIMEOUT_MS} ms`), OVERALL_TIMEOUT_MS);
log(`scenario ${scenario}, http ${HTTP_BASE}, ws ${WS_BASE}, room ${room}`);
const runners = { 'simple-peer': runSimplePeer, 'private-meet': runPrivateMeet, 'peer1-peer2': runPeer1Peer2, 'mdn': runMdn, 'go-room-hub': runGoRoomHub, mixed: runMixed };
Promise.resolve()
  .then(() => runners[scenario]())
  .catch((e) => fail(e && e.message ? e.message : String(e)));
