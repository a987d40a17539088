#!/usr/bin/env node
// End-to-end check of session resume (docs/protocol.md, "Resume") with two real WebRTC peers in Node.
//
//   node wrtc-resume.js <wsUrlA> <wsUrlB> <wsUrlB2> <room>
//
// peerA connects to <wsUrlA>; peerB connects to <wsUrlB> through a TCP relay of this script. peerA offers
// (simple-peer over @roamhq/wrtc, trickle ICE). As soon as peerB has the offer, the relay drops peerB's link
// (both TCP sides end, no closing handshake) while peerA goes on trickling candidates; peerB then reconnects
// to <wsUrlB2> (another node) with its resume token and the seq of the last frame it got, gets the
// candidates it missed, answers, and both end with an open data channel and a message each way.
// So that something is surely missed, peerA also sends marker frames to peerB while peerB is away (when the link
// is cut, and when peerB's socket has seen the cut): `ice-candidate` frames whose data carries `note: "outage-<n>"`,
// which peerB does not pass to its peer connection.
// One JSON line on stdout:
//   {"ok":true,"resumed":true,"connectMs":...,"candidatesSent":n,"candidatesReceived":n,"replayed":k,
//    "sentWhileAway":m,"missedReplayed":j,...}                                                           exit 0
//   {"ok":false,"error":"..."}                                                                            exit 1
// Fails on a peer-left, a duplicate or missing candidate, a gap in seq, resumed != true, or unless the frames
// peerB got from peerA are exactly what peerA sent it, in order, each once, with every frame it missed (those
// peerA sent while it was away, and those lost in flight on the cut link) arriving after the resumed welcome.
'use strict';

const net = require('net');
const Peer = require('simple-peer');
const wrtc = require('@roamhq/wrtc');
const WebSocket = require('ws');

const OVERALL_TIMEOUT_MS = 20000;
const [wsUrlA, wsUrlB, wsUrlB2, room] = process.argv.slice(2);
if (!wsUrlA || !wsUrlB || !wsUrlB2 || !room) {
  process.stdout.write(JSON.stringify({ ok: false, error: 'usage: node wrtc-resume.js <wsUrlA> <wsUrlB> <wsUrlB2> <room>' }) + '\n');
  process.exit(1);
}

const start = Date.now();
const trace = [];
const log = (...parts) => trace.push(`+${String(Date.now() - start).padStart(5)}ms ${parts.join(' ')}`);
let finished = false;
const overallTimer = setTimeout(() => fail(`overall timeout after ${OVERALL_TIMEOUT_MS} ms`), OVERALL_TIMEOUT_MS);

const OUTAGE_MARKERS_PER_STEP = 2;
// sentToB: every signaling frame peerA sent to peerB, in order, as {key, away} (away: peerB was cut off and not
// yet resumed when it was sent)
const A = { name: 'peerA', other: 'peerB', ws: null, sp: null, received: [], candidatesSent: 0, sentToB: [], outage: 0 };
const B = {
  name: 'peerB', other: 'peerA', ws: null, sp: null, received: [], candidatesReceived: new Set(), duplicates: 0,
  token: null, lastSeq: 0, outbox: [], cut: false, resumed: null, replayed: 0, reconnectedAt: null,
  fromA: [], // every signaling frame peerB got from peerA, in order, as {key, afterResume}
};

/** What identifies a signaling frame between the two peers (candidates and markers are unique). */
function frameKey(frame) {
  if (frame.type !== 'ice-candidate') return frame.type;
  return frame.data.note || frame.data.candidate;
}

/** peerA sends OUTAGE_MARKERS_PER_STEP marker frames to peerB, which is away. */
function sendOutageMarkers() {
  for (let i = 0; i < OUTAGE_MARKERS_PER_STEP; i++) {
    A.outage++;
    send(A, { type: 'ice-candidate', to: 'peerB',
      data: { candidate: '', sdpMid: '0', sdpMLineIndex: 0, note: `outage-${A.outage}` } });
  }
}
let connectMs = null;

// ---- the relay that drops peerB's link
const target = new URL(wsUrlB);
const relayed = new Set();
const relay = net.createServer((inbound) => {
  const outbound = net.connect(Number(target.port), target.hostname);
  relayed.add(inbound);
  relayed.add(outbound);
  inbound.pipe(outbound);
  outbound.pipe(inbound);
  const drop = () => { inbound.destroy(); outbound.destroy(); };
  inbound.on('error', drop);
  outbound.on('error', drop);
});

function cutPeerBLink() {
  B.cut = true;
  log('cutting peerB link');
  for (const socket of relayed) socket.destroy();
  relayed.clear();
  sendOutageMarkers();
}

function url(base, params) {
  const u = new URL(base);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, String(v));
  return u.toString();
}

function send(side, frame) {
  if (side === B && (B.cut || !B.ws || B.ws.readyState !== WebSocket.OPEN)) {
    B.outbox.push(frame); // sent once resumed, as a client library would
    return;
  }
  side.ws.send(JSON.stringify(frame));
  if (side === A && frame.to === 'peerB') A.sentToB.push({ key: frameKey(frame), away: B.cut && !B.resumed });
  if (side === A && frame.type === 'ice-candidate' && !frame.data.note) A.candidatesSent++;
  log(`${side.name} -> ${frame.type}`);
}

function onSignal(side, signal) {
  if (signal.type === 'offer' || signal.type === 'answer') {
    send(side, { type: signal.type, to: side.other, data: { type: signal.type, sdp: signal.sdp } });
  } else if (signal.type === 'candidate' && signal.candidate && String(signal.candidate.candidate).includes('127.0.0.1')) {
    send(side, { type: 'ice-candidate', to: side.other, data: signal.candidate });
  }
}

function createPeer(side, initiator) {
  if (side.sp) return side.sp;
  const sp = new Peer({ initiator, wrtc, trickle: true, channelName: 'chat', config: { iceServers: [] } });
  side.sp = sp;
  sp.on('signal', (s) => onSignal(side, s));
  sp.on('connect', () => {
    log(`${side.name} data channel open`);
    if (connectMs === null) connectMs = Date.now() - start;
    if (side === A) sp.send('hello-from-A');
  });
  sp.on('data', (d) => {
    const text = d.toString();
    side.received.push(text);
    if (side === B && text === 'hello-from-A') B.sp.send('hello-from-B');
    if (A.received.includes('hello-from-B') && B.received.includes('hello-from-A')) succeed();
  });
  sp.on('error', (e) => fail(`${side.name} simple-peer error: ${e && e.message}`));
  return sp;
}

function onFrame(side, raw) {
  const frame = JSON.parse(raw.toString());
  log(`${side.name} <- ${frame.type}${frame.seq !== undefined ? ' seq=' + frame.seq : ''}`);
  if (side === B && typeof frame.seq === 'number') {
    if (frame.seq <= B.lastSeq) {
      fail(`peerB: frame seq ${frame.seq} again (last ${B.lastSeq}): a duplicate`);
      return;
    }
    if (frame.seq !== B.lastSeq + 1) {
      fail(`peerB: seq jumped from ${B.lastSeq} to ${frame.seq}: frames lost`);
      return;
    }
    B.lastSeq = frame.seq;
    if (B.reconnectedAt !== null) B.replayed++;
  }
  switch (frame.type) {
    case 'welcome':
      if (side === B) {
        B.token = frame.data.resumeToken;
        if (B.reconnectedAt !== null) {
          B.resumed = frame.data.resumed === true;
          if (!B.resumed) return fail(`peerB: welcome after the reconnect is not resumed: ${JSON.stringify(frame.data)}`);
          if (frame.data.seq !== B.lastSeq) return fail(`peerB: resumed welcome seq ${frame.data.seq}, expected ${B.lastSeq}`);
          B.replayed = 0;
          B.cut = false;
          const queued = B.outbox.splice(0);
          for (const f of queued) send(B, f);
        }
      }
      return;
    case 'peer-joined':
      if (side === A && frame.data.id === 'peerB') createPeer(A, true);
      return;
    case 'peer-left':
      return fail(`${side.name}: peer-left seen: ${JSON.stringify(frame)}`);
    case 'error':
      return fail(`${side.name}: hub error ${JSON.stringify(frame.data)}`);
    case 'offer':
    case 'answer':
    case 'ice-candidate': {
      if (side === B && frame.from === 'peerA') B.fromA.push({ key: frameKey(frame), afterResume: B.resumed === true });
      if (frame.type === 'ice-candidate' && frame.data.note) return; // an outage marker, not a real candidate
      const sp = side.sp || createPeer(side, false);
      if (frame.type === 'ice-candidate') {
        if (side === B) {
          const key = frame.data.candidate;
          if (B.candidatesReceived.has(key)) B.duplicates++;
          B.candidatesReceived.add(key);
        }
        sp.signal({ type: 'candidate', candidate: frame.data });
      } else {
        sp.signal(frame.data);
      }
      if (side === B && frame.type === 'offer' && B.reconnectedAt === null && !B.cut) cutPeerBLink(); // mid-negotiation
      return;
    }
    default:
  }
}

function open(side, address) {
  log(`${side.name} connects to ${address}`);
  const ws = new WebSocket(address, { handshakeTimeout: 5000 });
  side.ws = ws;
  ws.on('message', (raw) => { if (side.ws === ws) onFrame(side, raw); });
  ws.on('error', (e) => log(`${side.name} socket error ${e.message}`));
  ws.on('close', (code) => {
    log(`${side.name} socket closed ${code}`);
    if (finished || side.ws !== ws) return;
    if (side === B && B.cut && B.reconnectedAt === null) {
      B.reconnectedAt = Date.now() - start; // as client.js does: back with the token, to another node
      sendOutageMarkers(); // more while peerB is away
      open(B, url(wsUrlB2, { roomId: room, ClientId: 'peerB', resume: B.token, received: B.lastSeq }));
    } else {
      fail(`${side.name}: socket closed (${code}) before the exchange finished`);
    }
  });
}

function succeed() {
  if (finished) return;
  if (B.duplicates > 0) return fail(`peerB got ${B.duplicates} duplicate candidate(s)`);
  // what peerB got from peerA is what peerA sent it, in order, each once (a later candidate may still be on its
  // way: a prefix of it), and it includes every frame sent while peerB was away
  const sent = A.sentToB.map((f) => f.key);
  const got = B.fromA.map((f) => f.key);
  const lastAway = A.sentToB.map((f) => f.away).lastIndexOf(true);
  if (JSON.stringify(got) !== JSON.stringify(sent.slice(0, got.length)) || got.length <= lastAway) {
    return fail(`peerB got from peerA ${JSON.stringify(got)}, peerA sent ${JSON.stringify(A.sentToB)}`);
  }
  const sentWhileAway = A.sentToB.filter((f) => f.away).length;
  if (sentWhileAway < 2 * OUTAGE_MARKERS_PER_STEP) return fail(`only ${sentWhileAway} frame(s) sent while peerB was away`);
  // everything peerB missed came after the resumed welcome: nothing it got before the cut is in the replay, and
  // nothing sent while it was away reached it before
  const gotBeforeResume = B.fromA.filter((f) => !f.afterResume).length;
  if (B.fromA.slice(gotBeforeResume).some((f) => !f.afterResume) || gotBeforeResume > A.sentToB.findIndex((f) => f.away)) {
    return fail(`peerB's frames from peerA before and after the resume: ${JSON.stringify(B.fromA)}; sent ${JSON.stringify(A.sentToB)}`);
  }
  const missedReplayed = lastAway + 1 - gotBeforeResume;
  finished = true;
  clearTimeout(overallTimer);
  const result = {
    ok: true, resumed: B.resumed, connectMs, totalMs: Date.now() - start, reconnectedAtMs: B.reconnectedAt,
    candidatesSent: A.candidatesSent, candidatesReceived: B.candidatesReceived.size, replayed: B.replayed,
    sentWhileAway, missedReplayed,
  };
  if (process.env.E2E_VERBOSE) process.stderr.write(trace.join('\n') + '\n');
  process.stdout.write(JSON.stringify(result) + '\n');
  shutdown(0);
}

function fail(error) {
  if (finished) return;
  finished = true;
  clearTimeout(overallTimer);
  process.stdout.write(JSON.stringify({ ok: false, error }) + '\n');
  process.stderr.write('--- trace ---\n' + trace.join('\n') + '\n');
  shutdown(1);
}

function shutdown(code) {
  for (const s of [A, B]) {
    try { if (s.sp) s.sp.destroy(); } catch (e) { /* closing anyway */ }
    try { if (s.ws) s.ws.terminate(); } catch (e) { /* closing anyway */ }
  }
  relay.close();
  setTimeout(() => process.exit(code), 200);
}

process.on('uncaughtException', (e) => fail(`uncaught exception: ${e && e.stack}`));

relay.listen(0, '127.0.0.1', () => {
  const relayUrl = `ws://127.0.0.1:${relay.address().port}${target.pathname}`;
  open(A, url(wsUrlA, { roomId: room, ClientId: 'peerA' }));
  A.ws.on('message', function once(raw) {
    if (JSON.parse(raw.toString()).type !== 'welcome') return;
    A.ws.off('message', once);
    open(B, url(relayUrl, { roomId: room, ClientId: 'peerB' }));
  });
});
