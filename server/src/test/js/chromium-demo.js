#!/usr/bin/env node
// End-to-end check of the demo page with two headless Chromium pages.
//
//   node chromium-demo.js <httpBaseUrl> <room>        e.g. http://127.0.0.1:8080 r1
//   (an https:// base: certificate errors are ignored, for a hub with a test's self-signed certificate)
//
// Opens <base>/?room=<room>&autojoin=1 twice (the second once the first shows `joined`), waits until
// both pages show a data channel `open`, sends a chat message from page 1 and a reply from page 2
// through the UI and checks each arrives in the other page's chat log. Prints one JSON line:
//   {"ok":true,"connectMs":...,"totalMs":...}   exit 0
//   {"ok":false,"error":"..."}                  exit 1 (page console and signaling logs on stderr)
//
// Environment: CHROMIUM (browser binary, default /usr/bin/chromium), E2E_SCREENSHOT (optional PNG
// path: a screenshot of page 1 at the end), E2E_VERBOSE=1 (page console on stderr on success too).
//
// DOM contract with webroot/index.html: #ws-state ("joined"), #my-id, #dc-state ("open"),
// #chat-input, #chat-send, #chat-log (<li> "<peer id>: <text>", own lines "me: <text>"), #log.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');

const OVERALL_TIMEOUT_MS = 30000;
const CLOSE_TIMEOUT_MS = 5000;

const [baseArg, room] = process.argv.slice(2);
if (!baseArg || !room) {
  process.stderr.write('usage: node chromium-demo.js <httpBaseUrl> <room>\n');
  process.stdout.write(JSON.stringify({ ok: false, error: 'usage: node chromium-demo.js <httpBaseUrl> <room>' }) + '\n');
  process.exit(1);
}
const base = baseArg.replace(/\/+$/, '');

const start = Date.now();
const deadline = start + OVERALL_TIMEOUT_MS;
const remaining = () => Math.max(1, deadline - Date.now());
const consoleLines = [];
let context = null;
let tmpDir = null;
let finished = false;
const pages = [];

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
  // lets the demo's camera button work headless; not needed for the data channel check
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
];

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

async function openPage(label, url, existing) {
  const page = existing || (await context.newPage());
  pages.push({ label, page });
  page.setDefaultTimeout(remaining());
  page.on('console', (m) => consoleLines.push(`[${label}] console.${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => consoleLines.push(`[${label}] page error: ${e.message}`));
  page.on('crash', () => consoleLines.push(`[${label}] page crashed`));
  const resp = await page.goto(url, { timeout: remaining(), waitUntil: 'load' });
  if (!resp || !resp.ok()) throw new Error(`${label}: GET ${url} answered ${resp ? resp.status() : 'nothing'}`);
  return page;
}

async function waitText(page, label, selector, expected) {
  try {
    await page.waitForFunction(
      ([sel, want]) => {
        const el = document.querySelector(sel);
        return !!el && el.textContent.trim() === want;
      },
      [selector, expected],
      { timeout: remaining(), polling: 50 },
    );
  } catch (e) {
    const actual = await page.textContent(selector, { timeout: 1000 }).catch(() => '<missing>');
    throw new Error(`${label}: ${selector} did not become '${expected}' (it reads '${actual}')`);
  }
}

async function waitChatLine(page, label, line) {
  try {
    await page.waitForFunction(
      (want) => Array.from(document.querySelectorAll('#chat-log li')).some((li) => li.textContent === want),
      line,
      { timeout: remaining(), polling: 50 },
    );
  } catch (e) {
    const lines = await page
      .$$eval('#chat-log li', (lis) => lis.map((li) => li.textContent))
      .catch(() => ['<unreadable>']);
    throw new Error(`${label}: '${line}' never appeared in #chat-log (it holds ${JSON.stringify(lines)})`);
  }
}

async function sendChat(page, text) {
  // actionability checks wait for animation frames, which a background tab barely gets
  await page.bringToFront();
  await page.fill('#chat-input', text, { timeout: remaining() });
  await page.click('#chat-send', { timeout: remaining() });
}

async function run() {
  const origin = new URL(base).origin;
  const url = `${base}/?room=${encodeURIComponent(room)}&autojoin=1`;
  tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'signalhub-chromium-'));
  context = await chromium.launchPersistentContext(tmpDir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ARGS,
    timeout: remaining(),
    viewport: { width: 1100, height: 900 },
    // an https:// base is the hub's TLS test, with a self-signed certificate (also for the page's wss://)
    ignoreHTTPSErrors: base.startsWith('https:'),
  });
  // Without camera/microphone permission Chromium hides local addresses from WebRTC.
  await context.grantPermissions(['camera', 'microphone'], { origin });

  const page1 = await openPage('page1', url, context.pages()[0]);
  await waitText(page1, 'page1', '#ws-state', 'joined');
  const page2 = await openPage('page2', url);
  await waitText(page2, 'page2', '#ws-state', 'joined');

  const id1 = (await page1.textContent('#my-id')).trim();
  const id2 = (await page2.textContent('#my-id')).trim();
  if (!id1 || !id2 || id1 === id2) throw new Error(`bad peer ids from welcome: '${id1}' and '${id2}'`);

  await Promise.all([waitText(page1, 'page1', '#dc-state', 'open'), waitText(page2, 'page2', '#dc-state', 'open')]);
  const connectMs = Date.now() - start;

  const msg1 = `hello from ${id1}`;
  await sendChat(page1, msg1);
  await waitChatLine(page1, 'page1', `me: ${msg1}`);
  await waitChatLine(page2, 'page2', `${id1}: ${msg1}`);

  const msg2 = `hi ${id1}, this is ${id2}`;
  await sendChat(page2, msg2);
  await waitChatLine(page2, 'page2', `me: ${msg2}`);
  await waitChatLine(page1, 'page1', `${id2}: ${msg2}`);

  const totalMs = Date.now() - start;
  if (process.env.E2E_SCREENSHOT) {
    await page1.screenshot({ path: process.env.E2E_SCREENSHOT, fullPage: true, timeout: remaining() });
  }
  return { connectMs, totalMs };
}

async function dumpPageLogs() {
  for (const { label, page } of pages) {
    const lines = await withTimeout(
      page.$$eval('#log li', (lis) => lis.map((li) => li.textContent)),
      2000,
      `${label} log`,
    ).catch((e) => [`<could not read #log: ${e.message}>`]);
    process.stderr.write(`--- ${label} signaling log ---\n${lines.join('\n')}\n`);
  }
}

async function cleanup() {
  if (context) {
    await withTimeout(context.close(), CLOSE_TIMEOUT_MS, 'closing the browser').catch((e) =>
      process.stderr.write(`${e.message}\n`),
    );
  }
  if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
}

async function finish(ok, detail) {
  if (finished) return;
  finished = true;
  clearTimeout(overallTimer);
  if (!ok || process.env.E2E_VERBOSE) {
    process.stderr.write(`--- page console ---\n${consoleLines.join('\n')}\n`);
    await dumpPageLogs();
  }
  try {
    await cleanup();
  } catch (e) {
    process.stderr.write(`cleanup failed: ${e.message}\n`);
  }
  process.stdout.write(JSON.stringify(ok ? { ok: true, ...detail } : { ok: false, error: detail }) + '\n');
  process.exit(ok ? 0 : 1);
}

process.on('unhandledRejection', (e) => finish(false, `unhandled rejection: ${e && (e.stack || e)}`));
process.on('SIGINT', () => finish(false, 'interrupted'));
process.on('SIGTERM', () => finish(false, 'terminated'));

run().then(
  (result) => finish(true, result),
  (e) => finish(false, e && e.message ? e.message.split('\n')[0] : String(e)),
);
