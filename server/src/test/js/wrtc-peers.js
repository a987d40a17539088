#!/usr/bin/env node
// End-to-end check of the v1 signaling protocol with two real WebRTC peers in Node.
//
//   node wrtc-peers.js <wsUrlA> <wsUrlB> <room>
//
// peerA connects to <wsUrlA>?roomId=<room>&ClientId=peerA, peerB (after peerA's welcome) to
// <wsUrlB>?roomId=<room>&ClientId=peerB; the two URLs may point at two different hub nodes.
// They negotiate a data channel through the hub (simple-peer over @roamhq/wrtc, trickle ICE),
// exchange "hello-from-A" / "hello-from-B" and print one JSON line on stdout:
//   {"ok":true,"connectMs":...,"totalMs":...}   exit 0
//   {"ok":false,"error":"..."}                  exit 1 (diagnostics on stderr)
// Only loopback (127.0.0.1) ICE candidates are signaled; iceServers is always empty.
// Set E2E_VERBOSE=1 to also get the event trace on stderr when the run succeeds.
'use strict';

const Peer = require('simple-peer');
const wrtc = require('@roamhq/wrtc');
const WebSocket = require('ws');

const OVERALL_TIMEOUT_MS = 20000;
const CLOSE_GRACE_MS = 2000;

const [wsUrlA, wsUrlB, room] = process.argv.slice(2);
if (!wsUrlA || !wsUrlB || !room) {
  process.stderr.write('usage: node wrtc-peers.js <wsUrlA> <wsUrlB> <room>\n');
  process.stdout.write(JSON.stringify({ ok: false, error: 'usage: node wrtc-peers.js <wsUrlA> <wsUrlB> <room>' }) + '\n');
  process.exit(1);
}

const start = Date.now();
const trace = [];
const log = (...parts) => trace.push(`+${String(Date.now() - start).padStart(5)}ms ${parts.join(' ')}`);

let finished = false;
let connectMs = null;
const overallTimer = setTimeout(() => fail(`overall timeout after ${OVERALL_TIMEOUT_MS} ms`), OVERALL_TIMEOUT_MS);

function makeSide(name, other, baseUrl) {
  const side = {
    name,
    other,
    url: withQuery(baseUrl, { roomId: room, ClientId: name }),
    ws: null,
    sp: null,
    welcomed: false,
    connectedAt: null,
    received: [],
    sent: { offer: 0, answer: 0, 'ice-candidate': 0 },
    got: { offer: 0, answer: 0, 'ice-candidate': 0 },
    droppedCandidates: [],
  };
  return side;
}

const A = makeSide('peerA', 'peerB', wsUrlA);
const B = makeSide('peerB', 'peerA', wsUrlB);

function withQuery(base, params) {
  let u;
  try {
    u = new URL(base);
  } catch (e) {
    throw new Error(`invalid WebSocket URL '${base}': ${e.message}`);
  }
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u.toString();
}

function sendFrame(side, frame) {
  if (!side.ws || side.ws.readyState !== WebSocket.OPEN) {
    fail(`${side.name}: cannot send ${frame.type}, socket not open`);
    return;
  }
  side.ws.send(JSON.stringify(frame));
  if (frame.type in side.sent) side.sent[frame.type]++;
  log(`${side.name} -> ${frame.type} to=${frame.to}`);
}

// simple-peer signal -> v1 frame
function onSignal(side, signal) {
  if (signal.type === 'offer' || signal.type === 'answer') {
    sendFrame(side, { type: signal.type, to: side.other, data: { type: signal.type, sdp: signal.sdp } });
  } else if (signal.type === 'candidate' && signal.candidate) {
    const c = signal.candidate;
    if (typeof c.candidate !== 'string' || !c.candidate.includes('127.0.0.1')) {
      side.droppedCandidates.push(c.candidate);
      log(`${side.name} dropped non-loopback candidate: ${c.candidate}`);
      return;
    }
    sendFrame(side, { type: 'ice-candidate', to: side.other, data: c });
  } else {
    // renegotiate / transceiverRequest are not expected for a data-channel-only session
    log(`${side.name} ignored simple-peer signal: ${JSON.stringify(signal)}`);
  }
}

function createPeer(side, initiator) {
  if (side.sp) return side.sp;
  log(`${side.name} creates simple-peer (initiator=${initiator})`);
  const sp = new Peer({
    initiator,
    wrtc,
    trickle: true,
    channelName: 'chat',
    config: { iceServers: [] },
  });
  side.sp = sp;
  sp.on('signal', (s) => onSignal(side, s));
  sp.on('connect', () => onConnect(side));
  sp.on('data', (d) => onData(side, d.toString()));
  sp.on('error', (e) => fail(`${side.name} simple-peer error: ${e && (e.code || '')} ${e && e.message}`));
  sp.on('close', () => {
    log(`${side.name} simple-peer closed`);
    if (!finished) fail(`${side.name}: peer connection closed before the exchange finished`);
  });
  sp.on('iceStateChange', (ice, gathering) => log(`${side.name} ice=${ice} gathering=${gathering}`));
  return sp;
}

function onConnect(side) {
  side.connectedAt = Date.now() - start;
  log(`${side.name} data channel open`);
  // the first open data channel end: simple-peer may report the other end late (it polls stats)
  if (connectMs === null) connectMs = side.connectedAt;
  if (side === A) side.sp.send('hello-from-A');
}

function onData(side, text) {
  log(`${side.name} received data: ${text}`);
  side.received.push(text);
  if (side === B && text === 'hello-from-A') B.sp.send('hello-from-B');
  if (A.received.includes('hello-from-B') && B.received.includes('hello-from-A')) succeed();
}

function check(side, cond, what, frame) {
  if (!cond) fail(`${side.name}: protocol violation: ${what}; frame=${summarize(frame)}`);
  return cond;
}

function summarize(frame) {
  const copy = { ...frame };
  if (copy.data && typeof copy.data.sdp === 'string') copy.data = { ...copy.data, sdp: `<${copy.data.sdp.length} chars>` };
  return JSON.stringify(copy);
}

function onFrame(side, raw, onWelcome) {
  let frame;
  try {
    frame = JSON.parse(raw.toString());
  } catch (e) {
    fail(`${side.name}: hub sent a frame that is not JSON: ${raw.toString().slice(0, 200)}`);
    return;
  }
  if (!frame || typeof frame !== 'object' || typeof frame.type !== 'string') {
    fail(`${side.name}: hub sent a frame without type: ${raw.toString().slice(0, 200)}`);
    return;
  }
  log(`${side.name} <- ${frame.type}${frame.from ? ' from=' + frame.from : ''}${frame.to ? ' to=' + frame.to : ''}`);

  switch (frame.type) {
    case 'welcome': {
      if (!check(side, frame.room === room, `welcome.room must be '${room}'`, frame)) return;
      if (!check(side, frame.to === side.name, `welcome.to must be '${side.name}'`, frame)) return;
      if (!check(side, frame.data && frame.data.id === side.name, `welcome.data.id must be '${side.name}'`, frame)) return;
      if (!check(side, Array.isArray(frame.data.peers), 'welcome.data.peers must be an array', frame)) return;
      if (!check(side, !frame.data.peers.includes(side.name), 'welcome.data.peers must not include yourself', frame)) return;
      side.welcomed = true;
      if (side === A && frame.data.peers.includes('peerB')) createPeer(A, true);
      if (side === B) {
        if (!check(side, frame.data.peers.includes('peerA'), "peerB's welcome.data.peers must include 'peerA'", frame)) return;
        createPeer(B, false);
      }
      if (onWelcome) onWelcome();
      return;
    }
    case 'peer-joined': {
      if (!check(side, frame.room === room, `peer-joined.room must be '${room}'`, frame)) return;
      if (!check(side, frame.data && typeof frame.data.id === 'string', 'peer-joined.data.id must be a string', frame)) return;
      if (side === A && frame.data.id === 'peerB') createPeer(A, true);
      return;
    }
    case 'peer-left': {
      if (!finished) fail(`${side.name}: unexpected peer-left ${summarize(frame)}`);
      return;
    }
    case 'offer':
    case 'answer':
    case 'ice-candidate': {
      side.got[frame.type]++;
      if (!check(side, frame.from === side.other, `forwarded ${frame.type}.from must be '${side.other}'`, frame)) return;
      if (!check(side, frame.room === room, `forwarded ${frame.type}.room must be '${room}'`, frame)) return;
      if (!check(side, frame.to === side.name, `forwarded ${frame.type}.to must be '${side.name}'`, frame)) return;
      if (!check(side, frame.data && typeof frame.data === 'object', `forwarded ${frame.type}.data must be an object`, frame)) return;
      // peerB's connection is created at its welcome; be tolerant if a relayed frame overtakes it
      const sp = side.sp || (side === B ? createPeer(B, false) : null);
      if (!sp) {
        fail(`${side.name}: got ${frame.type} before any peer connection exists`);
        return;
      }
      if (frame.type === 'ice-candidate') sp.signal({ type: 'candidate', candidate: frame.data });
      else sp.signal(frame.data);
      return;
    }
    case 'error': {
      const d = frame.data || {};
      fail(`${side.name}: hub error ${d.code}: ${d.message} (refused ${d.type})`);
      return;
    }
    default:
      log(`${side.name} ignored frame type ${frame.type}`);
  }
}

function connect(side, onWelcome) {
  log(`${side.name} connects to ${side.url}`);
  const ws = new WebSocket(side.url, { handshakeTimeout: 5000 });
  side.ws = ws;
  ws.on('message', (raw, isBinary) => {
    if (isBinary) {
      fail(`${side.name}: hub sent a binary frame`);
      return;
    }
    onFrame(side, raw, onWelcome);
  });
  ws.on('error', (e) => fail(`${side.name}: WebSocket error: ${e.message}`));
  ws.on('close', (code, reason) => {
    log(`${side.name} socket closed ${code} ${reason}`);
    if (!finished) fail(`${side.name}: WebSocket closed (${code} ${reason}) before the exchange finished`);
  });
}

function diagnostics() {
  const side = (s) => ({
    name: s.name,
    url: s.url,
    welcomed: s.welcomed,
    connectedAtMs: s.connectedAt,
    received: s.received,
    framesSent: s.sent,
    framesReceived: s.got,
    droppedCandidates: s.droppedCandidates,
    wsState: s.ws ? s.ws.readyState : null,
  });
  return JSON.stringify({ peers: [side(A), side(B)] }, null, 2);
}

async function closeAll() {
  for (const s of [A, B]) {
    try {
      if (s.sp) s.sp.destroy();
    } catch (e) {
      log(`${s.name} destroy failed: ${e.message}`);
    }
  }
  const closes = [A, B].map(
    (s) =>
      new Promise((resolve) => {
        if (!s.ws || s.ws.readyState === WebSocket.CLOSED) return resolve();
        s.ws.once('close', resolve);
        try {
          s.ws.close(1000, 'done');
        } catch (e) {
          resolve();
        }
      }),
  );
  await Promise.race([Promise.all(closes), new Promise((r) => setTimeout(r, CLOSE_GRACE_MS))]);
  for (const s of [A, B]) if (s.ws && s.ws.readyState !== WebSocket.CLOSED) s.ws.terminate();
}

async function succeed() {
  if (finished) return;
  finished = true;
  clearTimeout(overallTimer);
  const totalMs = Date.now() - start;
  log('exchange done');
  await closeAll();
  if (process.env.E2E_VERBOSE) process.stderr.write(trace.join('\n') + '\n');
  process.stdout.write(JSON.stringify({ ok: true, connectMs, totalMs }) + '\n');
  process.exit(0);
}

async function fail(error) {
  if (finished) return;
  finished = true;
  clearTimeout(overallTimer);
  log(`FAIL: ${error}`);
  process.stdout.write(JSON.stringify({ ok: false, error }) + '\n');
  process.stderr.write('--- trace ---\n' + trace.join('\n') + '\n--- state ---\n' + diagnostics() + '\n');
  await closeAll().catch(() => {});
  process.exit(1);
}

process.on('uncaughtException', (e) => fail(`uncaught exception: ${e && e.stack}`));
process.on('unhandledRejection', (e) => fail(`unhandled rejection: ${e && (e.stack || e)}`));

try {
  connect(A, () => {
    if (!B.ws) connect(B);
  });
} catch (e) {
  fail(e.message);
}
