#!/usr/bin/env node
// End-to-end `connect` check of a PeerJS-protocol signaling server with the PeerJS browser bundle
// (node_modules/peerjs/dist/peerjs.min.js, 1.5.5) in two headless Chromium pages.
//
//   node peerjs-browser.js <urlA> [<urlB>] [--idA=<id>|server] [--idB=<id>|server] [--key=peerjs]
//                          [--tokenA=..] [--tokenB=..] [--timeout=30000]
//
// urlA / urlB: http(s)://host:port/path of the PeerJS server (e.g. http://127.0.0.1:8080/peerjs) for page A
// and page B (may be two nodes of one cluster; urlB defaults to urlA). Ids default to explicit random ids;
// `--idA=server` (or --idB=server) lets the page's peerjs fetch GET {path}/{key}/id from the server, which
// needs CORS: the pages are served by a tiny http server of this script on 127.0.0.1:<ephemeral>, so their
// origin differs from the signaling server's. Page A opens a DataConnection to B, "hello-from-A" /
// "hello-from-B" are exchanged. One JSON line on stdout:
//   {"ok":true,"idA":..,"idB":..,"connectMs":..,"openAMs":..,"openBMs":..,"browserStartMs":..,"frames":{..},...}  exit 0
//   {"ok":false,"error":"..."}                                                                     exit 1
// Diagnostics (page console, WebSocket frames) on stderr.
// Environment: CHROMIUM (default /usr/bin/chromium), PEERJS_DEBUG=0..3, E2E_VERBOSE=1 (stderr logs on
// success too), E2E_ALL_CANDIDATES=1 (keep non-127.0.0.1 ICE candidates; by default they are dropped in the
// page before peerjs sees them). iceServers is always [].
'use strict';

const { parseArgs, redactUrl, peerServerOptions } = require('./e2e-common');

const fs = require('fs');
const os = require('os');
const path = require('path');
const http = require('http');
const { chromium } = require('playwright-core');

const USAGE = 'usage: node peerjs-browser.js <urlA> [<urlB>] [--idA=<id>|server --idB=<id>|server --key= --tokenA= --tokenB= --timeout=]';
const { positional, opts } = parseArgs(process.argv.slice(2));
if (positional[0] === 'connect') positional.shift(); // same shape as peerjs-peers.js
const [urlA, urlBArg] = positional;
if (!urlA) {
  process.stderr.write(USAGE + '\n');
  process.stdout.write(JSON.stringify({ ok: false, error: USAGE }) + '\n');
  process.exit(1);
}
const urlB = urlBArg || urlA;
const OVERALL_TIMEOUT_MS = Number(opts.timeout || 30000);
const CLOSE_TIMEOUT_MS = 5000;
const KEY = opts.key || 'peerjs';
const DEBUG = Number(process.env.PEERJS_DEBUG || 0);
const rnd = () => Math.random().toString(36).slice(2, 10);
const BUNDLE = require.resolve('peerjs/dist/peerjs.min.js');

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--allow-loopback-in-peer-connection',
  '--disable-features=WebRtcHideLocalIpsWithMdns',
];

const start = Date.now();
const deadline = start + OVERALL_TIMEOUT_MS;
const remaining = () => Math.max(1, deadline - Date.now());
const lines = [];
const log = (s) => lines.push(`+${String(Date.now() - start).padStart(5)}ms ${s}`);
const frames = { A: { sent: {}, received: {}, urls: [] }, B: { sent: {}, received: {}, urls: [] } };
let context = null;
let tmpDir = null;
let pageServer = null;
let finished = false;
const pages = {};

const overallTimer = setTimeout(() => finish(false, `overall timeout after ${OVERALL_TIMEOUT_MS} ms`), OVERALL_TIMEOUT_MS);

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}



// Tiny page server: GET / → blank page that loads /peerjs.min.js (both on 127.0.0.1 only)
function startPageServer() {
  const bundle = fs.readFileSync(BUNDLE);
  const html = '<!doctype html><html><head><meta charset="utf-8"><title>peerjs e2e</title>' +
    '<script src="/peerjs.min.js"></script></head><body>peerjs e2e</body></html>';
  return new Promise((resolve, reject) => {
    const srv = http.createServer((req, res) => {
      if (req.url === '/' || req.url.startsWith('/?')) {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
        res.end(html);
      } else if (req.url === '/peerjs.min.js') {
        res.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'no-store' });
        res.end(bundle);
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => resolve(srv));
  });
}

// Runs in every page before any script: keep only loopback ICE candidates and ICE servers.
function initScript(loopbackOnly) {
  const Native = window.RTCPeerConnection;
  window.__e2eDropped = [];
  window.__e2eCandidatesSeen = 0; // counts candidates that went through the filter (proves it is in the path)
  if (!Native || !loopbackOnly) return;
  const local = (s) =>
    [].concat(s && s.urls ? s.urls : []).every((u) => /^(\/\/)?(127\.0\.0\.1|localhost)(:|\?|$)/.test(String(u).replace(/^[a-z]+:/i, '')));
  class LoopbackRTCPeerConnection extends Native {
    constructor(cfg, ...rest) {
      const c = Object.assign({}, cfg || {});
      c.iceServers = (c.iceServers || []).filter(local);
      super(c, ...rest);
    }
    set onicecandidate(h) {
      this.__e2eHandler = h;
      super.onicecandidate = h
        ? (ev) => {
            const c = ev && ev.candidate && ev.candidate.candidate;
            if (c) window.__e2eCandidatesSeen++;
            if (c && !/ 127\.0\.0\.1 /.test(c)) {
              window.__e2eDropped.push(c);
              return undefined;
            }
            return h.call(this, ev);
          }
        : null;
    }
    get onicecandidate() {
      return this.__e2eHandler || null;
    }
  }
  window.RTCPeerConnection = LoopbackRTCPeerConnection;
}

function frameType(payload) {
  try {
    const f = JSON.parse(String(payload));
    return f && f.type ? String(f.type) : '?';
  } catch (e) {
    return 'non-json';
  }
}

async function openPage(label, pageUrl, existing) {
  const page = existing || (await context.newPage());
  pages[label] = page;
  page.setDefaultTimeout(remaining());
  page.on('console', (m) => log(`[${label}] console.${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => log(`[${label}] page error: ${e.message}`));
  page.on('crash', () => log(`[${label}] page crashed`));
  page.on('requestfailed', (r) => log(`[${label}] request failed ${r.method()} ${redactUrl(r.url())}: ${r.failure() && r.failure().errorText}`));
  page.on('websocket', (ws) => {
    const book = frames[label];
    book.urls.push(redactUrl(ws.url()));
    log(`[${label}] websocket ${redactUrl(ws.url())}`);
    ws.on('framesent', (f) => {
      const t = frameType(f.payload);
      book.sent[t] = (book.sent[t] || 0) + 1;
      log(`[${label}] ws -> ${t}`);
    });
    ws.on('framereceived', (f) => {
      const t = frameType(f.payload);
      book.received[t] = (book.received[t] || 0) + 1;
      log(`[${label}] ws <- ${String(f.payload).slice(0, 200)}`);
    });
    ws.on('close', () => log(`[${label}] websocket closed`));
    ws.on('socketerror', (e) => log(`[${label}] websocket error ${e}`));
  });
  const resp = await page.goto(pageUrl, { timeout: remaining(), waitUntil: 'load' });
  if (!resp || !resp.ok()) throw new Error(`${label}: GET ${pageUrl} answered ${resp ? resp.status() : 'nothing'}`);
  const hasPeer = await page.evaluate(() => typeof window.Peer === 'function');
  if (!hasPeer) throw new Error(`${label}: the peerjs bundle did not define window.Peer`);
  return page;
}

// In the page: create the Peer, set up the B-side echo, resolve with the id on 'open'.
function pageStartPeer({ label, id, options, timeoutMs }) {
  const st = (window.__e2e = { label, received: [], events: [], errors: [], dataOpenAt: null, t0: performance.now() });
  const peer = id ? new Peer(id, options) : new Peer(options);
  window.__e2ePeer = peer;
  const ev = (s) => st.events.push(`+${Math.round(performance.now() - st.t0)} ${s}`);
  peer.on('error', (e) => {
    st.errors.push({ type: e && e.type, message: String(e && e.message) });
    ev(`error ${e && e.type}: ${e && e.message}`);
  });
  peer.on('disconnected', () => ev('disconnected'));
  peer.on('connection', (conn) => {
    ev(`incoming connection from ${conn.peer}`);
    conn.on('open', () => {
      st.dataOpenAt = performance.now();
      ev('data connection open');
    });
    conn.on('data', (d) => {
      st.received.push(d);
      ev(`received ${JSON.stringify(d)}`);
      if (d === 'hello-from-A') {
        // 'data' can come before this side's own 'open' (peerjs 1.5): send() then fails with not-open-yet
        if (conn.open) conn.send('hello-from-B');
        else conn.once('open', () => conn.send('hello-from-B'));
      }
    });
    conn.on('error', (e) => ev(`connection error ${e && e.type}: ${e && e.message}`));
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${label}: no 'open' within ${timeoutMs} ms`)), timeoutMs);
    peer.on('open', (pid) => {
      clearTimeout(timer);
      ev(`open ${pid}`);
      resolve({ id: pid, openMs: Math.round(performance.now() - st.t0) });
    });
    peer.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`${label}: peer error ${e && e.type}: ${e && e.message}`));
    });
  });
}

// In page A: connect to B, send hello, resolve when B's reply arrives.
function pageConnect({ target, timeoutMs }) {
  const st = window.__e2e;
  const ev = (s) => st.events.push(`+${Math.round(performance.now() - st.t0)} ${s}`);
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`A: no reply from ${target} within ${timeoutMs} ms`)), timeoutMs);
    const conn = window.__e2ePeer.connect(target, { reliable: true });
    let dataOpenMs = null;
    conn.on('open', () => {
      dataOpenMs = Math.round(performance.now() - t0);
      ev('data connection open');
      conn.send('hello-from-A');
    });
    conn.on('data', (d) => {
      st.received.push(d);
      ev(`received ${JSON.stringify(d)}`);
      if (d === 'hello-from-B') {
        clearTimeout(timer);
        resolve({ connectMs: Math.round(performance.now() - t0), dataOpenMs });
      }
    });
    conn.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`A: connection error ${e && e.type}: ${e && e.message}`));
    });
    window.__e2ePeer.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`A: peer error ${e && e.type}: ${e && e.message}`));
    });
  });
}

function peerOptions(httpUrl, token) {
  return { ...peerServerOptions(httpUrl), key: KEY, token, debug: DEBUG, config: { iceServers: [] } };
}

function idArg(v, prefix) {
  if (v === 'server') return null; // let the page fetch one from the server
  return v || prefix + rnd();
}

async function run() {
  pageServer = await startPageServer();
  const pageOrigin = `http://127.0.0.1:${pageServer.address().port}`;
  const pageUrl = `${pageOrigin}/`;
  tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'peerjs-chromium-'));
  const t0 = Date.now();
  context = await chromium.launchPersistentContext(tmpDir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ARGS,
    timeout: remaining(),
  });
  const browserStartMs = Date.now() - t0;
  // Without camera/microphone permission Chromium hides local addresses from WebRTC.
  await context.grantPermissions(['camera', 'microphone'], { origin: pageOrigin });
  await context.addInitScript(initScript, !process.env.E2E_ALL_CANDIDATES);

  const pageA = await openPage('A', pageUrl, context.pages()[0]);
  const pageB = await openPage('B', pageUrl);

  const idA = idArg(opts.idA, 'chromeA');
  const idB = idArg(opts.idB, 'chromeB');
  const tokenA = opts.tokenA || rnd() + rnd();
  const tokenB = opts.tokenB || rnd() + rnd();
  const stepMs = () => Math.min(15000, remaining());
  const a = await withTimeout(
    pageA.evaluate(pageStartPeer, { label: 'A', id: idA, options: peerOptions(urlA, tokenA), timeoutMs: stepMs() }),
    stepMs() + 500,
    'A open',
  );
  log(`A open as ${a.id} in ${a.openMs} ms`);
  const b = await withTimeout(
    pageB.evaluate(pageStartPeer, { label: 'B', id: idB, options: peerOptions(urlB, tokenB), timeoutMs: stepMs() }),
    stepMs() + 500,
    'B open',
  );
  log(`B open as ${b.id} in ${b.openMs} ms`);
  if (idA && a.id !== idA) throw new Error(`A opened as '${a.id}', expected '${idA}'`);
  if (idB && b.id !== idB) throw new Error(`B opened as '${b.id}', expected '${idB}'`);
  if (a.id === b.id) throw new Error(`A and B got the same id '${a.id}'`);

  await pageA.bringToFront();
  const c = await withTimeout(pageA.evaluate(pageConnect, { target: b.id, timeoutMs: stepMs() }), stepMs() + 500, 'A connect');
  const bState = await pageB.evaluate(() => window.__e2e);
  if (!bState.received.includes('hello-from-A')) throw new Error(`B never received hello-from-A (got ${JSON.stringify(bState.received)})`);
  const candidateFilter = {};
  for (const [label, page] of [['A', pageA], ['B', pageB]]) {
    candidateFilter[label] = await page.evaluate(() => ({ seen: window.__e2eCandidatesSeen, dropped: window.__e2eDropped.length }));
  }
  return {
    idA: a.id,
    idB: b.id,
    idSource: { A: idA ? 'explicit' : 'server', B: idB ? 'explicit' : 'server' },
    urlA,
    urlB,
    pageOrigin,
    browserStartMs,
    openAMs: a.openMs,
    openBMs: b.openMs,
    connectMs: c.connectMs,
    dataOpenMs: c.dataOpenMs,
    candidateFilter: process.env.E2E_ALL_CANDIDATES ? 'off' : candidateFilter,
    frames,
  };
}

async function dumpPageState() {
  for (const [label, page] of Object.entries(pages)) {
    const st = await withTimeout(page.evaluate(() => ({ e2e: window.__e2e || null, dropped: window.__e2eDropped || [] })), 2000, `${label} state`).catch(
      (e) => ({ error: e.message }),
    );
    process.stderr.write(`--- page ${label} state ---\n${JSON.stringify(st, null, 2)}\n`);
  }
}

async function cleanup() {
  if (context) {
    await withTimeout(context.close(), CLOSE_TIMEOUT_MS, 'closing the browser').catch((e) => process.stderr.write(`${e.message}\n`));
  }
  if (pageServer) await withTimeout(new Promise((r) => pageServer.close(r)), 2000, 'closing the page server').catch(() => {});
  if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
}

async function finish(ok, detail) {
  if (finished) return;
  finished = true;
  clearTimeout(overallTimer);
  if (!ok || process.env.E2E_VERBOSE) {
    process.stderr.write(`--- log ---\n${lines.join('\n')}\n`);
    await dumpPageState();
  }
  try {
    await cleanup();
  } catch (e) {
    process.stderr.write(`cleanup failed: ${e.message}\n`);
  }
  const out = ok ? { ok: true, ...detail, totalMs: Date.now() - start } : { ok: false, error: detail, frames };
  process.stdout.write(JSON.stringify(out) + '\n');
  process.exit(ok ? 0 : 1);
}

process.on('unhandledRejection', (e) => finish(false, `unhandled rejection: ${e && (e.stack || e)}`));
process.on('SIGINT', () => finish(false, 'interrupted'));
process.on('SIGTERM', () => finish(false, 'terminated'));

run().then(
  (result) => finish(true, result),
  (e) => finish(false, e && e.message ? e.message.split('\n')[0] : String(e)),
);
