// The client against fake hub nodes on 127.0.0.1 (test/fake-hub.js): tokens, failover, backoff, resume, refusals.
// Imported by the package's own name, as an application would (package.json "exports").

import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { SignalingClient } from 'signalhub-client';
import { WebSocket, deadUrl, fakeHub, next, until, welcome } from './fake-hub.js';

const hubs = [];
const clients = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await Promise.all(hubs.splice(0).map((h) => h.close()));
});

async function hub(options) {
  const h = await fakeHub(options);
  hubs.push(h);
  return h;
}

function client(options) {
  const c = new SignalingClient({ room: 'alpha123', WebSocket, joinTimeoutMs: 2000, ...options });
  clients.push(c);
  return c;
}

/** Records every event `name` of a client. */
function record(c, name) {
  const seen = [];
  c.on(name, (v) => seen.push(v));
  return seen;
}

/** A hub node that welcomes the first connection and drops every later one at once (a node that keeps failing). */
function welcomeFirstOnly(conn, h) {
  if (h.connections.length === 1) welcome(conn);
  else conn.drop();
}

test('connect() joins with the room, the id and the token in the URL, URL-encoded', async () => {
  const h = await hub();
  const c = client({ url: h.url, id: 'peerA', token: 'a b+c/=&x' });
  const w = await c.connect();
  assert.deepEqual(w, { id: 'peerA', room: 'alpha123', peers: [], rejoined: false, resumed: false });
  assert.equal(c.state, 'joined');
  const { query, url } = h.connections[0];
  assert.equal(url.pathname, '/ws');
  assert.deepEqual(query, { roomId: 'alpha123', protocol: 'v1', ClientId: 'peerA', token: 'a b+c/=&x' });
  assert.match(url.search, /[?&]token=a\+b%2Bc%2F%3D%26x(&|$)/);
});

test('a token function is called before each attempt: a fresh token on every reconnect', async () => {
  const h = await hub();
  let calls = 0;
  const c = client({
    url: h.url,
    minBackoffMs: 10,
    token: async () => {
      calls++;
      await sleep(5);
      return `jwt-${calls}`;
    },
  });
  await c.connect();
  assert.equal(calls, 1);
  assert.equal(h.connections[0].query.token, 'jwt-1');

  for (const n of [2, 3]) {
    const back = next(c, 'welcome');
    h.connections[n - 2].drop();
    const conn = await h.connection(n);
    assert.equal(conn.query.token, `jwt-${n}`, 'a fresh token on each reconnect');
    assert.equal(conn.query.resume, 'rt-1');
    const w = await back;
    assert.equal(w.rejoined, true);
    assert.equal(w.resumed, true);
  }
  assert.equal(calls, 3);
});

test('the first connect tries the urls in order until one answers: refused, 503, silent, then welcome', async () => {
  const dead = await deadUrl();
  const stopping = await hub({ refuseStatus: 503 });
  const silent = await hub({ onConnection: () => {} }); // opens the socket, never says welcome
  const good = await hub();
  let calls = 0;
  const c = client({ urls: [dead, stopping.url, silent.url, good.url], joinTimeoutMs: 300, token: () => `t${++calls}` });
  const retries = record(c, 'retry');
  const disconnects = record(c, 'disconnect');
  const states = record(c, 'state');

  const w = await c.connect();
  assert.equal(w.rejoined, false);
  assert.equal(c.url, good.url);
  assert.equal(stopping.handshakes, 1);
  assert.equal(silent.connections.length, 1);
  assert.equal(good.connections[0].query.token, 't4', 'the token function ran before each attempt');
  assert.deepEqual(retries.map((r) => [r.attempt, r.delayMs, r.url]),
    [[1, 0, stopping.url], [2, 0, silent.url], [3, 0, good.url]], 'the first connect moves on at once');
  assert.deepEqual(disconnects.map((d) => [d.url, d.reconnecting]),
    [[dead, true], [stopping.url, true], [silent.url, true]]);
  assert.equal(disconnects[2].code, 1006);
  assert.match(disconnects[2].reason, /no welcome within 300 ms/);
  assert.deepEqual(states, ['connecting', 'joined'], 'no reconnecting state before the first welcome');
});

test('connect() rejects on an error frame before welcome, and no other node is tried', async () => {
  const full = await hub({
    onConnection: (conn) => conn.send({ type: 'error', data: { code: 'room-full', message: 'room alpha123 is full' } }),
  });
  const other = await hub();
  const c = client({ urls: [full.url, other.url] });
  const errors = record(c, 'error');
  await assert.rejects(c.connect(), { code: 'room-full', message: 'room alpha123 is full' });
  assert.equal(c.state, 'closed');
  assert.deepEqual(errors.map((e) => e.code), ['room-full']);
  await sleep(50);
  assert.equal(other.handshakes, 0);
});

test('connect() rejects when the token is refused (unauthorized, close 1008), and no other node is tried', async () => {
  const strict = await hub({
    onConnection: (conn) => {
      conn.send({ type: 'error', data: { code: 'unauthorized', message: 'invalid token' } });
      conn.ws.close(1008, 'unauthorized');
    },
  });
  const bare1008 = await hub({ onConnection: (conn) => conn.ws.close(1008, 'unauthorized') });
  const other = await hub();
  await assert.rejects(client({ urls: [strict.url, other.url], token: 'bad' }).connect(), { code: 'unauthorized' });
  const c = client({ urls: [bare1008.url, other.url], token: 'bad' });
  const disconnects = record(c, 'disconnect');
  await assert.rejects(c.connect(), { code: 'disconnected' });
  assert.deepEqual(disconnects.map((d) => [d.code, d.reconnecting]), [[1008, false]]);
  await sleep(50);
  assert.equal(other.handshakes, 0);
});

test('connect() rejects when every url refuses the connection', async () => {
  const urls = [await deadUrl(), await deadUrl()];
  const c = client({ urls });
  const disconnects = record(c, 'disconnect');
  await assert.rejects(c.connect(), { code: 'disconnected' });
  assert.equal(c.state, 'closed');
  assert.deepEqual(disconnects.map((d) => [d.url, d.reconnecting]), [[urls[0], true], [urls[1], false]]);
});

test('connect() rejects when the token function fails; the join time-out covers one that never answers', async () => {
  const h = await hub();
  const c = client({ url: h.url, token: () => { throw new Error('no session'); } });
  const errors = record(c, 'error');
  await assert.rejects(c.connect(), { code: 'token-failed', message: /no session/ });
  assert.deepEqual(errors.map((e) => e.code), ['token-failed']);

  let calls = 0;
  const stuck = client({ urls: [h.url, h.url], joinTimeoutMs: 100, token: () => { calls++; return new Promise(() => {}); } });
  await assert.rejects(stuck.connect(), { code: 'disconnected' });
  assert.equal(calls, 2, 'each url got its attempt');
  assert.equal(h.handshakes, 0);
});

test('a reconnect goes to the next url in turn and resumes there with the resume token and received seq', async () => {
  const a = await hub();
  const b = await hub({
    onConnection: (conn) => {
      welcome(conn); // resumed: the token matches; seq = received
      conn.send({ type: 'offer', room: 'alpha123', from: 'peerB', seq: 3, data: { sdp: 'three' } }); // replayed: seen
      conn.send({ type: 'offer', room: 'alpha123', from: 'peerB', seq: 4, data: { sdp: 'four' } });
    },
  });
  const c = client({ urls: [a.url, b.url], minBackoffMs: 10 });
  const offers = [];
  c.on('offer', ({ from, data }) => offers.push(`${from}:${data.sdp}`));
  const first = await c.connect();
  assert.equal(first.id, 'hubChosen1');
  for (const n of [1, 2, 3]) a.connections[0].send({ type: 'offer', room: 'alpha123', from: 'peerB', seq: n, data: { sdp: `${n}` } });
  await until(() => offers.length === 3, 'three offers');

  const back = next(c, 'welcome');
  a.connections[0].drop();
  const conn = await b.connection();
  assert.deepEqual(conn.query,
    { roomId: 'alpha123', protocol: 'v1', ClientId: 'hubChosen1', resume: 'rt-1', received: '3' },
    'the same id (the one the hub chose), the resume token and the seq of the last frame');
  assert.deepEqual(await back, { id: 'hubChosen1', room: 'alpha123', peers: [], rejoined: true, resumed: true });
  await until(() => offers.length === 4, 'the fourth offer');
  await sleep(20);
  assert.deepEqual(offers, ['peerB:1', 'peerB:2', 'peerB:3', 'peerB:four'], 'the replayed seq 3 is ignored');
  assert.equal(c.url, b.url);

  // and on to the first url again, round robin, still with the session's token
  b.connections[0].drop();
  const again = await a.connection(2);
  assert.equal(again.query.resume, 'rt-1');
  assert.equal(again.query.received, '4');
});

test('a dead node is skipped: after the first backoff the rest of the round follows at once', async () => {
  const a = await hub();
  const b = await hub();
  const c3 = await hub();
  const c = client({ urls: [a.url, b.url, c3.url], minBackoffMs: 200, maxBackoffMs: 1000 });
  const retries = record(c, 'retry');
  await c.connect();
  await b.close(); // node b is gone
  const back = next(c, 'welcome');
  const dropped = performance.now();
  a.connections[0].drop();
  const w = await back;
  const took = performance.now() - dropped;
  assert.equal(w.resumed, true);
  assert.equal(c.url, c3.url);
  assert.deepEqual(retries.map((r) => [r.attempt, r.url]), [[1, b.url], [2, c3.url]]);
  assert.ok(retries[0].delayMs >= 160 && retries[0].delayMs <= 240, `first wait ${retries[0].delayMs} ms: 200 ± 20 %`);
  assert.equal(retries[1].delayMs, 0, 'the next url of the round at once');
  assert.ok(took >= retries[0].delayMs - 2 && took < retries[0].delayMs + 1000, `back after ${took} ms`);
});

test('backoff doubles at each attempt with one url, with ±20 % jitter, never above maxBackoffMs', async (t) => {
  const randoms = [0, 1, 0.5, 0, 1, 0.5, 0];
  let i = 0;
  t.mock.method(Math, 'random', () => randoms[i++ % randoms.length]);
  const h = await hub({ onConnection: welcomeFirstOnly });
  const c = client({ url: h.url, minBackoffMs: 10, maxBackoffMs: 100 });
  const retries = record(c, 'retry');
  await c.connect();
  h.connections[0].drop();
  await until(() => retries.length >= 7, 'seven retries');
  c.close();
  // base 10, 20, 40, 80, then 100 (the cap) x (0.8 + 0.4 random), and never above the cap
  assert.deepEqual(retries.slice(0, 7).map((r) => r.delayMs), [8, 24, 40, 64, 100, 100, 80]);
  assert.deepEqual(retries.slice(0, 7).map((r) => r.attempt), [1, 2, 3, 4, 5, 6, 7]);
  assert.equal(c.state, 'closed');
  // the waits are real: consecutive attempts are at least that far apart
  const at = h.connections.slice(0, 8).map((conn) => conn.at);
  for (let k = 2; k < at.length; k++) {
    assert.ok(at[k] - at[k - 1] >= retries[k - 1].delayMs - 2, `attempt ${k}: ${at[k] - at[k - 1]} ms after the one before, wait ${retries[k - 1].delayMs}`);
  }
});

test('backoff with two urls grows per round: the first attempt of a round waits, the second follows at once', async (t) => {
  t.mock.method(Math, 'random', () => 0.5);
  const a = await hub({ onConnection: welcomeFirstOnly });
  const b = await hub({ onConnection: (conn) => conn.drop() });
  const c = client({ urls: [a.url, b.url], minBackoffMs: 10, maxBackoffMs: 1000 });
  const retries = record(c, 'retry');
  await c.connect();
  a.connections[0].drop();
  await until(() => retries.length >= 6, 'six retries');
  c.close();
  assert.deepEqual(retries.slice(0, 6).map((r) => [r.delayMs, r.url === a.url ? 'a' : 'b']),
    [[10, 'b'], [0, 'a'], [20, 'b'], [0, 'a'], [40, 'b'], [0, 'a']]);
});

test('id-taken or unavailable while reconnecting is retried and ends the round: the next attempt waits', async (t) => {
  t.mock.method(Math, 'random', () => 0.5);
  const a = await hub();
  const b = await hub({ onConnection: (conn) => conn.send({ type: 'error', data: { code: 'id-taken', message: 'taken' } }) });
  const c3 = await hub();
  const c = client({ urls: [a.url, b.url, c3.url], minBackoffMs: 50 });
  const retries = record(c, 'retry');
  const errors = record(c, 'error');
  await c.connect();
  const back = next(c, 'welcome');
  a.connections[0].drop();
  await back;
  assert.equal(c.url, c3.url);
  assert.deepEqual(retries.map((r) => [r.delayMs, r.url]), [[50, b.url], [100, c3.url]]);
  assert.deepEqual(errors, [], 'a retried refusal is not reported');
});

test('after joining, a close with 4101 (taken over) or 1008 ends the session; 1001 (node stopping) reconnects', async () => {
  for (const code of [4101, 1008]) {
    const h = await hub();
    const c = client({ url: h.url, minBackoffMs: 10 });
    await c.connect();
    const disconnected = next(c, 'disconnect');
    h.connections[0].ws.close(code, 'bye');
    assert.deepEqual(await disconnected, { code, reason: 'bye', reconnecting: false, url: h.url });
    assert.equal(c.state, 'closed');
    await sleep(60);
    assert.equal(h.connections.length, 1, `no reconnect after ${code}`);
  }
  const a = await hub();
  const b = await hub();
  const c = client({ urls: [a.url, b.url], minBackoffMs: 10 });
  await c.connect();
  const back = next(c, 'welcome');
  a.connections[0].ws.close(1001, 'node stopping');
  assert.equal((await back).resumed, true);
  assert.equal(c.url, b.url);
});

test('reconnect: false closes on a drop', async () => {
  const h = await hub();
  const c = client({ url: h.url, reconnect: false });
  await c.connect();
  const closed = next(c, 'state');
  h.connections[0].drop();
  assert.equal(await closed, 'closed');
});

test('the send methods send only while joined; leave() sends leave and resolves on left', async () => {
  const h = await hub({
    onConnection: (conn) => {
      welcome(conn, { peers: ['peerB'] });
      conn.ws.on('message', (data) => { if (JSON.parse(String(data)).type === 'leave') conn.send({ type: 'left', room: 'alpha123' }); });
    },
  });
  const c = client({ url: h.url });
  assert.equal(c.sendOffer('peerB', { type: 'offer', sdp: 'v=0' }), false);
  await c.connect();
  assert.deepEqual(c.peers, ['peerB']);
  const sent = record(c, 'sent');
  assert.equal(c.sendOffer('peerB', { type: 'offer', sdp: 'v=0', extra: 1 }), true);
  assert.equal(c.sendCandidate(null, null), true);
  assert.equal(c.sendCandidate('peerB', { candidate: 'candidate:1', sdpMid: '0', toJSON: () => ({ candidate: 'json' }) }), true);
  await c.leave();
  assert.equal(c.state, 'closed');
  const conn = h.connections[0];
  assert.deepEqual(conn.received, [
    { type: 'offer', to: 'peerB', data: { type: 'offer', sdp: 'v=0' } },
    { type: 'ice-candidate', data: { candidate: '' } },
    { type: 'ice-candidate', to: 'peerB', data: { candidate: 'json' } },
    { type: 'leave' },
  ]);
  assert.equal(sent.length, 4);
  assert.equal(c.send('offer', 'peerB', {}), false);
});

test('close() while the token function is pending opens no socket', async () => {
  const h = await hub();
  let release;
  const c = client({ url: h.url, token: () => new Promise((r) => { release = r; }) });
  const joined = c.connect();
  await until(() => release, 'the token function');
  c.close();
  await assert.rejects(joined, { code: 'closed' });
  release('late');
  await sleep(50);
  assert.equal(h.handshakes, 0);
});

test('the constructor checks its options', () => {
  assert.throws(() => new SignalingClient({ WebSocket }), /room is required/);
  assert.throws(() => new SignalingClient({ room: 'r', WebSocket }), /url or urls is required outside a web page/);
  assert.throws(() => new SignalingClient({ room: 'r', url: '/ws', WebSocket }), /absolute URL/);
  assert.throws(() => new SignalingClient({ room: 'r', url: 'ftp://x/ws', WebSocket }), /not a ws\(s\) or http\(s\) URL/);
  assert.throws(() => new SignalingClient({ room: 'r', url: 'ws://x/ws', urls: ['ws://y/ws'], WebSocket }), /not both/);
  assert.throws(() => new SignalingClient({ room: 'r', urls: [], WebSocket }), /urls is empty/);
  assert.throws(() => new SignalingClient({ room: 'r', url: 'ws://x/ws', token: 42, WebSocket }), /token must be/);
  const c = new SignalingClient({ room: 'r', urls: ['ws://x:1/ws', 'http://y:2/ws'], WebSocket });
  assert.deepEqual(c.urls, ['ws://x:1/ws', 'http://y:2/ws']);
  assert.equal(c.url, 'ws://x:1/ws');
  assert.equal(c.state, 'closed');
});

test('without the WebSocket option the global WebSocket is used (Node 20 has none: the error says so)', async () => {
  const saved = Object.getOwnPropertyDescriptor(globalThis, 'WebSocket');
  try {
    Object.defineProperty(globalThis, 'WebSocket', { value: undefined, configurable: true, writable: true });
    assert.throws(() => new SignalingClient({ room: 'r', url: 'ws://x/ws' }), /pass the WebSocket option/);
    globalThis.WebSocket = WebSocket; // as in a browser
    const h = await hub();
    const c = new SignalingClient({ room: 'r', url: h.url.replace('ws:', 'http:') });
    clients.push(c);
    assert.equal((await c.connect()).room, 'r');
  } finally {
    if (saved) Object.defineProperty(globalThis, 'WebSocket', saved);
    else delete globalThis.WebSocket;
  }
});
