#!/usr/bin/env node
// Driver: starts two yjs-provider.js processes (one provider each) and combines their results.
//
//   node yjs-pair.js <signalingUrlA> [<signalingUrlB>] [--room=<room>] [--modeA=write] [--modeB=write]
//                    [--timeout=20000] [--delayB=0] [--simultaneous]
//
// Provider "a" uses urlA, provider "b" uses urlB (default urlA; e.g. two nodes of a cluster). The room
// defaults to a fresh random name. modeA/modeB: write | both | read | push (write+write, or push+read).
// Provider b is started once a has written "READY subscribed" on stderr (then waits --delayB ms more):
// y-webrtc 10.3.0 stalls on WebRTC glare when both providers announce at the same moment.
// --simultaneous starts both at once (to reproduce that).
// One JSON line on stdout: {"ok":true,"room":..,"a":{..},"b":{..},"ms":..} exit 0, or
// {"ok":false,"error":"..","a":..,"b":..} exit 1. The children's stderr is passed through to ours.
// Equivalent by hand (two shells):
//   node yjs-provider.js ws://127.0.0.1:8080/yjs room1 a write
//   node yjs-provider.js ws://127.0.0.1:8081/yjs room1 b write
'use strict';

const { parseArgs } = require('./e2e-common');

const { spawn } = require('child_process');
const path = require('path');

const { positional, opts } = parseArgs(process.argv.slice(2));
const [urlA, urlBArg] = positional;
const USAGE = 'usage: node yjs-pair.js <signalingUrlA> [<signalingUrlB>] [--room= --modeA=write --modeB=write --timeout=20000 --delayB=0]';
if (!urlA) {
  process.stderr.write(USAGE + '\n');
  process.stdout.write(JSON.stringify({ ok: false, error: USAGE }) + '\n');
  process.exit(1);
}
const urlB = urlBArg || urlA;
const room = opts.room || 'e2e-' + Math.random().toString(36).slice(2, 10);
const modeA = opts.modeA || 'write';
const modeB = opts.modeB || 'write';
const TIMEOUT = Number(opts.timeout || 20000);
const DELAY_B = Number(opts.delayB || 0);
const start = Date.now();
const children = [];

function runChild(label, url, mode, onReady) {
  return new Promise((resolve) => {
    const args = [path.join(__dirname, 'yjs-provider.js'), url, room, label, mode, `--timeout=${TIMEOUT}`];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    let errBuf = '';
    child.stderr.on('data', (d) => {
      process.stderr.write(`[${label}] ${d}`);
      errBuf += d;
      if (onReady && /^READY subscribed$/m.test(errBuf)) {
        const f = onReady;
        onReady = null;
        f();
      }
    });
    child.on('close', (code, signal) => {
      let result;
      try {
        result = JSON.parse(out.trim().split('\n').pop());
      } catch (e) {
        result = { ok: false, error: `no JSON result (exit ${code}, signal ${signal}): ${out.slice(0, 300)}` };
      }
      if (result.ok && code !== 0) {
        // the check passed and was printed; the process died in the native WebRTC library's teardown after it
        result.exitAfterResult = signal || code;
        code = 0;
      }
      resolve({ code, result });
    });
  });
}

const guard = setTimeout(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL'); // only our own children, by handle
  process.stdout.write(JSON.stringify({ ok: false, error: `children did not finish within ${TIMEOUT + 5000} ms` }) + '\n');
  process.exit(1);
}, TIMEOUT + 5000);

(async () => {
  let readyA;
  const aReady = new Promise((r) => (readyA = r));
  const pa = runChild('a', urlA, modeA, () => readyA());
  if (!opts.simultaneous) {
    const first = await Promise.race([aReady.then(() => 'ready'), pa.then(() => 'exited')]);
    if (first === 'exited') {
      const a = await pa;
      clearTimeout(guard);
      process.stdout.write(JSON.stringify({ ok: false, room, error: `a exited before it subscribed: ${a.result.error}`, a: a.result }) + '\n');
      process.exit(1);
    }
  }
  if (DELAY_B) await new Promise((r) => setTimeout(r, DELAY_B));
  const pb = runChild('b', urlB, modeB);
  const [a, b] = await Promise.all([pa, pb]);
  clearTimeout(guard);
  const ok = a.code === 0 && b.code === 0 && a.result.ok && b.result.ok;
  const out = { ok, room, urlA, urlB, ms: Date.now() - start, a: a.result, b: b.result };
  if (!ok) out.error = [a.result.ok ? null : `a: ${a.result.error}`, b.result.ok ? null : `b: ${b.result.error}`].filter(Boolean).join('; ') || 'a child failed';
  process.stdout.write(JSON.stringify(out) + '\n');
  process.exit(ok ? 0 : 1);
})();
