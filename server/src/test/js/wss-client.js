#!/usr/bin/env node
// A `ws` client over TLS: connects to a hub's wss:// URL trusting only the given CA certificate, and waits for
// the `welcome` of protocol v1.
//
//   node wss-client.js <wss://host:port/ws?roomId=..&ClientId=..> <ca.pem>
//
// One JSON line on stdout: {"ok":true,"welcome":{...},"ms":..} exit 0, or {"ok":false,"error":"..."} exit 1.
'use strict';

const fs = require('fs');
const WebSocket = require('ws');

const [url, caPath] = process.argv.slice(2);
const start = Date.now();
const done = (result, code) => {
  process.stdout.write(JSON.stringify(result) + '\n');
  process.exit(code);
};
if (!url || !caPath) done({ ok: false, error: 'usage: node wss-client.js <wss-url> <ca.pem>' }, 1);

const timer = setTimeout(() => done({ ok: false, error: 'no welcome within 10000 ms' }, 1), 10000);
const ws = new WebSocket(url, { ca: fs.readFileSync(caPath) });
ws.on('message', (data) => {
  const frame = JSON.parse(String(data));
  if (frame.type === 'welcome') {
    clearTimeout(timer);
    ws.close();
    done({ ok: true, welcome: frame.data, ms: Date.now() - start }, 0);
  }
});
ws.on('error', (e) => done({ ok: false, error: String(e && e.message) }, 1));
