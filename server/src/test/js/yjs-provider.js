#!/usr/bin/env node
// One y-webrtc provider (y-webrtc 10.3.0 + yjs 13.6) in Node, for end-to-end checks of a y-webrtc
// signaling server. Run ONE provider per process: two providers in one process would also sync over
// BroadcastChannel and hide the server. Use yjs-pair.js to start two of them against two URLs.
//
//   node yjs-provider.js <signalingUrl> <room> <name> <write|both|read|push> [--timeout=20000] [--linger=300]
//
// signalingUrl: ws://127.0.0.1:8080/yjs (a query string such as ?token=... is passed through unchanged).
// Creates a Y.Doc and new WebrtcProvider(room, doc, {signaling: [url], peerOpts: {wrtc, config: {iceServers: []}}}).
//   write / both: sets doc.getMap('m').set(name, 'hello from ' + name), then waits until the map holds a
//                 key of another provider AND that provider acknowledged ours (its awareness state lists
//                 the keys it holds); pair it with another write/both;
//   read:         writes nothing, waits until the map holds a key other than its own;
//   push:         writes its key and waits only for the acknowledgement (pair it with a `read`).
// Each provider publishes in its awareness state {name, keys: [...keys it holds]}; awareness travels over
// the WebRTC data channel like the document, so the acknowledgement proves the round trip.
// The run only passes if a WebRTC connection is up (provider.room.webrtcConns has a connected peer),
// data arrived over it, and no BroadcastChannel peer exists (room.bcConns is empty).
// One JSON line on stdout:
//   {"ok":true,"name":..,"seen":{..},"ms":..,"webrtcPeers":[..],"signaling":{..},...}   exit 0
//   {"ok":false,"error":"..."}                                                        exit 1
// Diagnostics on stderr (E2E_VERBOSE=1: also on success); the line "READY subscribed" is written to stderr
// once the subscribe frame went out.
// Start the second provider only after the first one is READY: y-webrtc 10.3.0 does not recover from
// "glare" (both providers see each other's announce at once, both send an offer, and the connection
// stalls for good; seen against the reference server with simultaneous starts). E2E_ALL_CANDIDATES=1 keeps non-127.0.0.1 ICE
// candidates (dropped by default before signaling).
'use strict';

const WS = require('ws');
const { parseArgs, tracer, loopbackWrtc: makeLoopbackWrtc } = require('./e2e-common');

const { start, trace, log } = tracer();
const { wrtc: loopbackWrtc, droppedCandidates } = makeLoopbackWrtc(log);

// Global WebSocket for lib0/websocket, recording the URL it is given and the frames (type/inner type)
const signaling = { urls: [], opens: 0, closes: [], sent: {}, received: {} };
const bump = (o, k) => (o[k] = (o[k] || 0) + 1);
function frameKey(data) {
  try {
    const f = JSON.parse(String(data));
    if (!f || !f.type) return '?';
    if (f.type === 'publish') return `publish/${f.data && f.data.type ? f.data.type : typeof f.data === 'string' ? 'encrypted' : '?'}`;
    return String(f.type);
  } catch (e) {
    return 'non-json';
  }
}
class TracingWebSocket extends WS {
  constructor(url, protocols) {
    super(url, protocols, { handshakeTimeout: 5000 });
    signaling.urls.push(String(url));
    log(`ws connect ${url}`);
    this.addEventListener('open', () => {
      signaling.opens++;
      log('ws open');
    });
    this.addEventListener('message', (ev) => {
      bump(signaling.received, frameKey(ev.data));
      log(`ws <- ${String(ev.data).slice(0, 160)}`);
    });
    this.addEventListener('close', (ev) => {
      signaling.closes.push({ atMs: Date.now() - start, code: ev.code });
      log(`ws closed ${ev.code}`);
    });
    this.addEventListener('error', (ev) => log(`ws error ${ev && ev.message}`));
  }
  send(data, ...rest) {
    const k = frameKey(data);
    bump(signaling.sent, k);
    log(`ws -> ${String(data).slice(0, 160)}`);
    const r = super.send(data, ...rest);
    if (k === 'subscribe' && !signaling.readyAtMs) {
      signaling.readyAtMs = Date.now() - start;
      process.stderr.write('READY subscribed\n'); // yjs-pair.js waits for this before starting the second provider
    }
    return r;
  }
}
globalThis.WebSocket = TracingWebSocket;

const Y = require('yjs');
const { WebrtcProvider } = require('y-webrtc');

// ---- arguments ---------------------------------------------------------------------------------------
const USAGE = 'usage: node yjs-provider.js <signalingUrl> <room> <name> <write|both|read|push> [--timeout=20000] [--linger=300]';
const { positional, opts } = parseArgs(process.argv.slice(2));
const [signalingUrl, room, name, mode] = positional;
if (!signalingUrl || !room || !name || !['write', 'read', 'both', 'push'].includes(mode)) {
  process.stderr.write(USAGE + '\n');
  process.stdout.write(JSON.stringify({ ok: false, error: USAGE }) + '\n');
  process.exit(1);
}
const OVERALL_TIMEOUT_MS = Number(opts.timeout || 20000);
const LINGER_MS = Number(opts.linger || 300);
const writes = mode !== 'read'; // write, both, push
const needsForeignKey = mode !== 'push';

let finished = false;
let provider = null;
let doc = null;
const webrtcData = {}; // remotePeerId -> {messages, bytes}
const overallTimer = setTimeout(() => fail(`overall timeout after ${OVERALL_TIMEOUT_MS} ms`), OVERALL_TIMEOUT_MS);

function webrtcPeers() {
  const r = provider && provider.room;
  if (!r) return [];
  return Array.from(r.webrtcConns.entries()).map(([id, c]) => ({
    id,
    connected: !!c.connected,
    synced: !!c.synced,
    messagesReceived: webrtcData[id] ? webrtcData[id].messages : 0,
    bytesReceived: webrtcData[id] ? webrtcData[id].bytes : 0,
  }));
}

function state() {
  const r = provider && provider.room;
  return {
    name,
    room,
    mode,
    peerId: r ? r.peerId : null,
    seen: doc ? doc.getMap('m').toJSON() : null,
    webrtcPeers: webrtcPeers(),
    bcPeers: r ? Array.from(r.bcConns) : null,
    awareness: provider ? Array.from(provider.awareness.getStates().entries()).map(([k, v]) => ({ clientID: k, ...v })) : null,
    // y-webrtc hands this URL to `new WebSocket` (compare with the server's request log)
    signaling: { ...signaling, configured: signalingUrl, providerConns: provider ? provider.signalingConns.map((c) => ({ url: c.url, connected: c.connected })) : [] },
    droppedCandidates: droppedCandidates.length,
  };
}

async function shutdown() {
  try {
    if (provider) {
      provider.disconnect(); // closes the signaling socket first, so closing peers do not re-announce
      provider.destroy();
    }
    if (doc) doc.destroy();
  } catch (e) {
    log(`destroy failed: ${e.message}`);
  }
  await new Promise((r) => setTimeout(r, 100));
}

async function succeed(extra) {
  if (finished) return;
  finished = true;
  clearTimeout(overallTimer);
  const ms = Date.now() - start;
  const out = { ok: true, ...state(), ms, ...extra };
  await new Promise((r) => setTimeout(r, LINGER_MS)); // let our last awareness/sync messages leave
  if (process.env.E2E_VERBOSE) process.stderr.write(trace.join('\n') + '\n');
  // the result first: @roamhq/wrtc may crash (SIGSEGV) while peer connections are torn down, after the check
  // has passed; yjs-pair.js reads this line whatever the exit
  await new Promise((r) => process.stdout.write(JSON.stringify(out) + '\n', r));
  await shutdown();
  process.exit(0);
}

async function fail(error) {
  if (finished) return;
  finished = true;
  clearTimeout(overallTimer);
  log(`FAIL: ${error}`);
  let st = {};
  try {
    st = state();
  } catch (e) {}
  process.stdout.write(JSON.stringify({ ok: false, error, name, webrtcPeers: st.webrtcPeers, bcPeers: st.bcPeers, signaling: st.signaling }) + '\n');
  process.stderr.write('--- trace ---\n' + trace.join('\n') + '\n--- state ---\n' + JSON.stringify(st, null, 2) + '\n');
  await shutdown().catch(() => {});
  process.exit(1);
}

process.on('uncaughtException', (e) => fail(`uncaught exception: ${e && e.stack}`));
process.on('unhandledRejection', (e) => fail(`unhandled rejection: ${e && (e.stack || e)}`));

// ---- run ---------------------------------------------------------------------------------------------
function run() {
  doc = new Y.Doc();
  const map = doc.getMap('m');
  provider = new WebrtcProvider(room, doc, {
    signaling: [signalingUrl],
    peerOpts: { wrtc: loopbackWrtc, config: { iceServers: [] } },
  });
  provider.awareness.setLocalState({ name, keys: [] });
  let firstForeignAt = null;

  provider.on('peers', (ev) => {
    log(`peers added=${JSON.stringify(ev.added)} removed=${JSON.stringify(ev.removed)} webrtc=${JSON.stringify(ev.webrtcPeers)} bc=${JSON.stringify(ev.bcPeers)}`);
    const r = provider.room;
    for (const id of ev.added || []) {
      const conn = r && r.webrtcConns.get(id);
      if (conn && !conn.__e2eCounted) {
        conn.__e2eCounted = true;
        // prepend: y-webrtc's own 'data' listener applies the update (and may end the run) synchronously
        const on = typeof conn.peer.prependListener === 'function' ? 'prependListener' : 'on';
        conn.peer[on]('data', (d) => {
          const e = (webrtcData[id] = webrtcData[id] || { messages: 0, bytes: 0 });
          e.messages++;
          e.bytes += d.length || d.byteLength || 0;
        });
        conn.peer.on('connect', () => log(`webrtc data channel open with ${id}`));
      }
    }
  });
  provider.on('synced', (ev) => log(`synced ${JSON.stringify(ev)}`));
  provider.on('status', (ev) => log(`status ${JSON.stringify(ev)}`));

  const check = () => {
    if (finished) return;
    const keys = Array.from(map.keys());
    const foreign = keys.filter((k) => k !== name);
    if (needsForeignKey && !foreign.length) return;
    if (foreign.length && firstForeignAt === null) {
      firstForeignAt = Date.now() - start;
      log(`first foreign key(s) ${JSON.stringify(foreign)}`);
    }
    let ackedBy = [];
    for (const [clientID, st] of provider.awareness.getStates()) {
      if (clientID === doc.clientID || !st) continue;
      if (Array.isArray(st.keys) && st.keys.includes(name)) ackedBy.push(st.name);
    }
    if (writes && !ackedBy.length) return;
    const peers = webrtcPeers();
    const connected = peers.filter((p) => p.connected);
    if (!connected.length) {
      fail(`done (foreign keys ${JSON.stringify(foreign)}, acked by ${JSON.stringify(ackedBy)}) but no WebRTC peer is connected (bcPeers=${JSON.stringify(Array.from(provider.room.bcConns))})`);
      return;
    }
    if (provider.room.bcConns.size) {
      fail(`a BroadcastChannel peer exists (${JSON.stringify(Array.from(provider.room.bcConns))}): the sync may not have used the server`);
      return;
    }
    if (!connected.some((p) => p.messagesReceived > 0)) {
      fail('no message arrived over the WebRTC data channel');
      return;
    }
    succeed({ firstForeignKeyMs: firstForeignAt, ackedBy: writes ? ackedBy : undefined });
  };

  map.observe(() => {
    const keys = Array.from(map.keys());
    const mine = provider.awareness.getLocalState() || {};
    if (JSON.stringify(mine.keys) !== JSON.stringify(keys)) provider.awareness.setLocalState({ name, keys });
    check();
  });
  provider.awareness.on('change', check);
  if (writes) map.set(name, 'hello from ' + name);
}

try {
  run();
} catch (e) {
  fail(e && e.stack ? e.stack : String(e));
}
