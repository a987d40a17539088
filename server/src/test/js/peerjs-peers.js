#!/usr/bin/env node
// End-to-end checks of a PeerJS-protocol signaling server with the real PeerJS client (peerjs 1.5.5)
// running in Node over @roamhq/wrtc.
//
//   node peerjs-peers.js <mode> <urlA> [<urlB>] [--k=v ...]
//
// urlA / urlB: http(s)://host:port/path of the PeerJS server for peer A and peer B, e.g.
// http://127.0.0.1:8080/peerjs (they may name two nodes of one cluster; urlB defaults to urlA).
// The client derives from it host, port, path and secure (https → wss); it calls
// GET {path}/{key}/id (only when no id is given) and opens ws://host:port{path}/peerjs?key=&id=&token=&version=.
//
// Modes (one JSON line on stdout; exit 0 with {"ok":true,...} or exit 1 with {"ok":false,"error":...}):
//   connect   A (--idA, or server-assigned when omitted) registers on urlA, B (--idB or assigned) on urlB;
//             A opens a DataConnection to B, "hello-from-A" / "hello-from-B" are exchanged.
//             → {ok, idA, idB, idSource, connectMs, openAMs, openBMs, totalMs, frames, ...}
//   id-taken  A registers --id (default random) on urlA with --tokenA; a second Peer with the same id and
//             --tokenB on urlB must get error type "unavailable-id" (the server's ID-TAKEN); A must stay open.
//   expire    A registers on urlA and connects to an id nobody registered (--target); must get error type
//             "peer-unavailable" (the server's EXPIRE, ~5-6 s on the reference server). → elapsedMs
//   bad-key   a Peer with key --badKey (default "wrong-key") on urlA must fail before OPEN; reports the
//             client's error type (the reference server answers ERROR "Invalid key provided" → "server-error").
//             --expectType=T makes any other type a failure.
//
// Options: --key=peerjs --idA= --idB= --tokenA= --tokenB= (Peer option `token`, e.g. a JWT; random when
// omitted) --id= (id-taken) --target= (expire) --badKey= --expectType= --pingInterval=5000
// --timeout=<overall ms, default 20000>.
// Environment: PEERJS_DEBUG=0..3 (peerjs log level, logs go to stderr), E2E_VERBOSE=1 (trace on stderr on
// success too), E2E_ALL_CANDIDATES=1 (do not drop non-127.0.0.1 ICE candidates).
// ICE: config.iceServers is always []; non-loopback host candidates are dropped before signaling.
// Tokens are redacted (first 6 characters) in the output.
'use strict';

// ---- everything peerjs needs must be global BEFORE require('peerjs') --------------------------------
const WS = require('ws');
const { parseArgs, redact, redactUrl, peerServerOptions, tracer, loopbackWrtc } = require('./e2e-common');

const { start, trace, log } = tracer();
const { wrtc, droppedCandidates } = loopbackWrtc(log);

// WebSocket that records the frames each peer sends and receives (type + time), for diagnostics
const peerOfToken = new Map();
const frames = {}; // label -> { url, sent: {TYPE: n}, received: {TYPE: n}, events: [...] }
function frameBook(label) {
  if (!frames[label]) frames[label] = { url: null, openedAtMs: null, closed: null, sent: {}, received: {}, events: [] };
  return frames[label];
}
function frameType(data) {
  try {
    const f = JSON.parse(String(data));
    return f && f.type ? String(f.type) : '?';
  } catch (e) {
    return 'non-json';
  }
}
class TracingWebSocket extends WS {
  constructor(url, protocols) {
    super(url, protocols, { handshakeTimeout: 5000 });
    let token = null;
    try {
      token = new URL(url).searchParams.get('token');
    } catch (e) {}
    const label = peerOfToken.get(token) || 'unknown';
    const book = frameBook(label);
    book.url = redactUrl(url);
    log(`${label} ws connect ${book.url}`);
    this._label = label;
    this.addEventListener('open', () => {
      book.openedAtMs = Date.now() - start;
      log(`${label} ws open`);
    });
    this.addEventListener('message', (ev) => {
      const t = frameType(ev.data);
      book.received[t] = (book.received[t] || 0) + 1;
      book.events.push(`+${Date.now() - start} <- ${t === 'ERROR' || t === 'ID-TAKEN' || t === 'EXPIRE' ? String(ev.data).slice(0, 200) : t}`);
      log(`${label} <- ${String(ev.data).slice(0, 160)}`);
    });
    this.addEventListener('close', (ev) => {
      book.closed = { atMs: Date.now() - start, code: ev.code, reason: String(ev.reason || '') };
      log(`${label} ws closed ${ev.code} ${ev.reason || ''}`);
    });
    this.addEventListener('error', (ev) => log(`${label} ws error ${ev && ev.message}`));
  }
  send(data, ...rest) {
    const t = frameType(data);
    const book = frameBook(this._label);
    book.sent[t] = (book.sent[t] || 0) + 1;
    book.events.push(`+${Date.now() - start} -> ${t}`);
    log(`${this._label} -> ${t}`);
    return super.send(data, ...rest);
  }
}

globalThis.RTCPeerConnection = wrtc.RTCPeerConnection;
globalThis.RTCSessionDescription = wrtc.RTCSessionDescription;
globalThis.RTCIceCandidate = wrtc.RTCIceCandidate;
globalThis.WebSocket = TracingWebSocket;

const { Peer } = require('peerjs');

// ---- arguments ---------------------------------------------------------------------------------------
const USAGE = 'usage: node peerjs-peers.js <connect|id-taken|expire|bad-key> <urlA> [<urlB>] [--key=peerjs --idA= --idB= --tokenA= --tokenB= --id= --target= --badKey= --expectType= --pingInterval= --timeout=]';
const { positional, opts } = parseArgs(process.argv.slice(2));
const [mode, urlA, urlBArg] = positional;
const urlB = urlBArg || urlA;
const MODES = ['connect', 'id-taken', 'expire', 'bad-key'];
if (!MODES.includes(mode) || !urlA) {
  process.stderr.write(USAGE + '\n');
  process.stdout.write(JSON.stringify({ ok: false, error: USAGE }) + '\n');
  process.exit(1);
}
const KEY = opts.key || 'peerjs';
const OVERALL_TIMEOUT_MS = Number(opts.timeout || 20000);
const DEBUG = Number(process.env.PEERJS_DEBUG || 0);
const rnd = () => Math.random().toString(36).slice(2, 10);


// ---- result handling ---------------------------------------------------------------------------------
let finished = false;
const peers = []; // { label, peer }
const overallTimer = setTimeout(() => fail(`overall timeout after ${OVERALL_TIMEOUT_MS} ms`), OVERALL_TIMEOUT_MS);

function diagnostics() {
  return {
    frames,
    droppedCandidates: droppedCandidates.length,
    peers: peers.map(({ label, peer, events }) => ({
      label,
      id: peer.id,
      open: peer.open,
      disconnected: peer.disconnected,
      destroyed: peer.destroyed,
      events,
    })),
  };
}

async function closeAll() {
  for (const { peer } of peers) {
    try {
      if (!peer.destroyed) peer.destroy();
    } catch (e) {
      log(`destroy failed: ${e.message}`);
    }
  }
  await new Promise((r) => setTimeout(r, 100));
}

async function succeed(result) {
  if (finished) return;
  finished = true;
  clearTimeout(overallTimer);
  log('done');
  const out = { ok: true, mode, ...result, totalMs: Date.now() - start, droppedCandidates: droppedCandidates.length, frames: summarizeFrames() };
  if (process.env.E2E_VERBOSE) process.stderr.write(trace.join('\n') + '\n');
  // the result first: @roamhq/wrtc may crash (SIGSEGV) while peer connections are torn down, after the check passed
  await new Promise((r) => process.stdout.write(JSON.stringify(out) + '\n', r));
  await closeAll();
  process.exit(0);
}

async function fail(error, extra) {
  if (finished) return;
  finished = true;
  clearTimeout(overallTimer);
  log(`FAIL: ${error}`);
  process.stdout.write(JSON.stringify({ ok: false, mode, error, ...(extra || {}), frames: summarizeFrames() }) + '\n');
  process.stderr.write('--- trace ---\n' + trace.join('\n') + '\n--- state ---\n' + JSON.stringify(diagnostics(), null, 2) + '\n');
  await closeAll().catch(() => {});
  process.exit(1);
}

function summarizeFrames() {
  const out = {};
  for (const [label, b] of Object.entries(frames)) out[label] = { sent: b.sent, received: b.received, closed: b.closed };
  return out;
}

process.on('uncaughtException', (e) => fail(`uncaught exception: ${e && e.stack}`));
process.on('unhandledRejection', (e) => fail(`unhandled rejection: ${e && (e.stack || e)}`));

// ---- peers -------------------------------------------------------------------------------------------
// Creates a Peer and resolves with {peer, openMs} on 'open', rejects with {type, message, atMs} on 'error'.
function makePeer(label, httpUrl, { id, token, key }) {
  const tok = token || rnd() + rnd();
  peerOfToken.set(tok, label);
  const options = {
    ...peerServerOptions(httpUrl),
    key: key || KEY,
    token: tok,
    // level >= 1 always, so peerjs' own error logs (e.g. "Error retrieving ID") reach the trace: its error
    // events sometimes carry an empty message (PeerError copies only enumerable fields of an Error)
    debug: Math.max(DEBUG, 1),
    logFunction: (level, ...rest) => {
      const line = `[${label} peerjs L${level}] ${rest.map(String).join(' ')}`;
      log(line);
      if (level <= DEBUG) process.stderr.write(line + '\n');
    },
    config: { iceServers: [] },
  };
  if (opts.pingInterval) options.pingInterval = Number(opts.pingInterval);
  const t0 = Date.now();
  log(`${label} new Peer(${id ? JSON.stringify(id) : '<server-assigned>'}) ${httpUrl} key=${options.key} token=${redact(tok)}`);
  const peer = id ? new Peer(id, options) : new Peer(options);
  const rec = { label, peer, events: [] };
  peers.push(rec);
  const errors = [];
  peer.on('error', (e) => {
    const info = { type: e && e.type, message: (e && e.message) || '(empty: see the peerjs log in the trace)', atMs: Date.now() - start };
    errors.push(info);
    rec.events.push(`error ${info.type}: ${info.message}`);
    log(`${label} error type=${info.type} ${info.message}`);
  });
  peer.on('disconnected', () => {
    rec.events.push('disconnected');
    log(`${label} disconnected`);
  });
  peer.on('close', () => log(`${label} close`));
  const opened = new Promise((resolve, reject) => {
    peer.on('open', (pid) => {
      rec.events.push(`open ${pid}`);
      log(`${label} open as ${pid}`);
      resolve({ peer, id: pid, openMs: Date.now() - t0 });
    });
    peer.on('error', () => {
      const info = errors[errors.length - 1];
      reject(Object.assign(new Error(`${label}: ${info.type}: ${info.message}`), { peerError: info }));
    });
  });
  return { peer, rec, errors, opened, token: tok };
}

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

// ---- modes -------------------------------------------------------------------------------------------
async function modeConnect() {
  const A = makePeer('A', urlA, { id: opts.idA, token: opts.tokenA });
  const a = await withTimeout(A.opened, 8000, 'A open');
  const B = makePeer('B', urlB, { id: opts.idB, token: opts.tokenB });
  const b = await withTimeout(B.opened, 8000, 'B open');
  if (opts.idA && a.id !== opts.idA) throw new Error(`A opened as '${a.id}', expected '${opts.idA}'`);
  if (opts.idB && b.id !== opts.idB) throw new Error(`B opened as '${b.id}', expected '${opts.idB}'`);
  if (a.id === b.id) throw new Error(`A and B got the same id '${a.id}'`);

  const t0 = Date.now();
  let openA = null;
  let openB = null;
  const got = { A: [], B: [] };
  const done = new Promise((resolve, reject) => {
    const check = () => {
      if (got.A.includes('hello-from-B') && got.B.includes('hello-from-A')) resolve();
    };
    B.peer.on('connection', (conn) => {
      log(`B incoming DataConnection from ${conn.peer} label=${conn.label} serialization=${conn.serialization}`);
      if (conn.peer !== a.id) reject(new Error(`B got a connection from '${conn.peer}', expected '${a.id}'`));
      conn.on('open', () => {
        openB = Date.now() - t0;
        log('B DataConnection open');
      });
      conn.on('data', (d) => {
        log(`B received ${JSON.stringify(d)}`);
        got.B.push(d);
        // the answering side's 'data' can come before its own 'open' (peerjs 1.5, seen in Node on @roamhq/wrtc):
        // send() before 'open' fails with not-open-yet, so answer once open
        if (d === 'hello-from-A') {
          if (conn.open) conn.send('hello-from-B');
          else conn.once('open', () => conn.send('hello-from-B'));
        }
        check();
      });
      conn.on('error', (e) => reject(new Error(`B DataConnection error ${e && e.type}: ${e && e.message}`)));
    });
    log(`A connects to ${b.id}`);
    const conn = A.peer.connect(b.id, { reliable: true });
    conn.on('open', () => {
      openA = Date.now() - t0;
      log('A DataConnection open');
      conn.send('hello-from-A');
    });
    conn.on('data', (d) => {
      log(`A received ${JSON.stringify(d)}`);
      got.A.push(d);
      check();
    });
    conn.on('error', (e) => reject(new Error(`A DataConnection error ${e && e.type}: ${e && e.message}`)));
    A.peer.on('error', (e) => reject(new Error(`A peer error ${e && e.type}: ${e && e.message}`)));
    B.peer.on('error', (e) => reject(new Error(`B peer error ${e && e.type}: ${e && e.message}`)));
  });
  await done;
  return {
    idA: a.id,
    idB: b.id,
    idSource: { A: opts.idA ? 'explicit' : 'server', B: opts.idB ? 'explicit' : 'server' },
    urlA,
    urlB,
    openAMs: a.openMs,
    openBMs: b.openMs,
    connectMs: Date.now() - t0,
    dataOpenMs: { A: openA, B: openB },
    received: got,
  };
}

async function modeIdTaken() {
  const id = opts.id || 'taken' + rnd();
  const tokenA = opts.tokenA || 'tokA' + rnd();
  const tokenB = opts.tokenB || 'tokB' + rnd();
  if (tokenA === tokenB) throw new Error('--tokenA and --tokenB must differ for id-taken');
  const A = makePeer('A', urlA, { id, token: tokenA });
  const a = await withTimeout(A.opened, 8000, 'A open');
  const t0 = Date.now();
  const B = makePeer('B', urlB, { id, token: tokenB });
  let bErr;
  try {
    await withTimeout(B.opened, 8000, 'B (same id, other token) outcome');
    throw new Error(`B registered id '${id}' although A holds it with another token`);
  } catch (e) {
    if (!e.peerError) throw e;
    bErr = e.peerError;
  }
  const elapsedMs = Date.now() - t0;
  // A must not be affected
  await new Promise((r) => setTimeout(r, 300));
  const aState = { open: A.peer.open, disconnected: A.peer.disconnected, errors: A.errors };
  if (bErr.type !== 'unavailable-id') throw Object.assign(new Error(`B got error type '${bErr.type}' (${bErr.message}), expected 'unavailable-id'`), { extra: { bError: bErr } });
  if (!A.peer.open || A.peer.disconnected || A.errors.length) throw Object.assign(new Error('A lost its registration after the ID-TAKEN'), { extra: { aState } });
  return {
    id: a.id,
    urlA,
    urlB,
    openAMs: a.openMs,
    bError: bErr,
    elapsedMs,
    bFramesReceived: frames.B ? frames.B.events : [],
    aStillOpen: true,
  };
}

async function modeExpire() {
  const target = opts.target || 'nobody' + rnd();
  const A = makePeer('A', urlA, { id: opts.idA, token: opts.tokenA });
  const a = await withTimeout(A.opened, 8000, 'A open');
  const t0 = Date.now();
  const err = await new Promise((resolve) => {
    A.peer.on('error', (e) => resolve({ type: e && e.type, message: e && e.message }));
    log(`A connects to never-registered ${target}`);
    const conn = A.peer.connect(target, { reliable: true });
    conn.on('open', () => fail(`a DataConnection to never-registered '${target}' opened`));
  });
  const elapsedMs = Date.now() - t0;
  if (err.type !== 'peer-unavailable') throw Object.assign(new Error(`got error type '${err.type}' (${err.message}), expected 'peer-unavailable'`), { extra: { elapsedMs } });
  return { idA: a.id, target, error: err, elapsedMs, aFrames: frames.A ? frames.A.events : [] };
}

async function modeBadKey() {
  const badKey = opts.badKey || 'wrong-key';
  const A = makePeer('A', urlA, { id: opts.idA || 'badkey' + rnd(), token: opts.tokenA, key: badKey });
  const t0 = Date.now();
  try {
    const a = await withTimeout(A.opened, 8000, 'bad-key outcome');
    throw new Error(`the server accepted key '${badKey}' (opened as ${a.id})`);
  } catch (e) {
    if (!e.peerError) throw e;
    const err = e.peerError;
    if (opts.expectType && err.type !== opts.expectType) {
      throw Object.assign(new Error(`got error type '${err.type}' (${err.message}), expected '${opts.expectType}'`), { extra: { peerError: err } });
    }
    await new Promise((r) => setTimeout(r, 200)); // let the close frame arrive for the report
    return { badKey, error: err, elapsedMs: Date.now() - t0, framesReceived: frames.A ? frames.A.events : [], wsClosed: frames.A ? frames.A.closed : null };
  }
}

const runners = { connect: modeConnect, 'id-taken': modeIdTaken, expire: modeExpire, 'bad-key': modeBadKey };
runners[mode]().then(
  (r) => succeed(r),
  (e) => fail(e && e.message ? e.message : String(e), e && e.extra),
);
