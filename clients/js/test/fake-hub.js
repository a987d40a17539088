// A fake hub node for the client's tests: a WebSocket server on 127.0.0.1 that records every connection's query
// (roomId, ClientId, token, resume, received) and answers as the test tells it to (by default: `welcome`).

import { EventEmitter, once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';

export { WebSocket };

/** Bound for every wait of the tests. */
export const WAIT_MS = 5000;

/**
 * @param {object} [options]
 * @param {(conn: Conn, hub: FakeHub) => void} [options.onConnection] what to do with a new connection; default
 *   {@link welcome}
 * @param {number} [options.refuseStatus] answer every handshake with this HTTP status instead (a stopping node: 503)
 */
export async function fakeHub({ onConnection = (conn) => welcome(conn), refuseStatus } = {}) {
  const server = createHttpServer((req, res) => res.writeHead(404).end());
  const wss = new WebSocketServer({ noServer: true });
  const hub = new FakeHub(server);
  server.on('upgrade', (req, socket, head) => {
    hub.handshakes++;
    if (refuseStatus) {
      socket.end(`HTTP/1.1 ${refuseStatus} Refused\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const conn = new Conn(ws, new URL(req.url, 'http://127.0.0.1'));
      hub.connections.push(conn);
      hub.emit('connection', conn);
      onConnection(conn, hub);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  hub.url = `ws://127.0.0.1:${server.address().port}/ws`;
  return hub;
}

export class FakeHub extends EventEmitter {
  /** @type {Conn[]} */ connections = [];
  /** WebSocket handshakes asked for, refused ones included. */ handshakes = 0;
  /** @type {string} */ url = '';

  constructor(server) {
    super();
    this.server = server;
  }

  /** The next connection (or the n-th, counting from 1, if it came already). */
  async connection(n = this.connections.length + 1) {
    while (this.connections.length < n) await once(this, 'connection', { signal: AbortSignal.timeout(WAIT_MS) });
    return this.connections[n - 1];
  }

  /** Stops listening and drops every connection without a closing handshake. */
  async close() {
    for (const c of this.connections) c.ws.terminate();
    this.server.closeAllConnections?.();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

export class Conn {
  /** @param {WebSocket} ws @param {URL} url */
  constructor(ws, url) {
    this.ws = ws;
    this.url = url;
    this.query = Object.fromEntries(url.searchParams);
    this.at = performance.now();
    /** @type {any[]} */ this.received = [];
    ws.on('message', (data) => this.received.push(JSON.parse(String(data))));
  }

  send(frame) { this.ws.send(JSON.stringify(frame)); }

  /** Drops the socket without a closing handshake, as a dead link or crashed node does (the client sees 1006). */
  drop() { this.ws.terminate(); }
}

/**
 * Answers `welcome` as the hub does: the id asked for (or one chosen), a resume token, and `seq` (the `received` of
 * a resume, else 0).
 * @param {Conn} conn
 */
export function welcome(conn, { id = conn.query.ClientId || 'hubChosen1', peers = [], resumeToken = 'rt-1', extra = {} } = {}) {
  const resumed = Boolean(conn.query.resume) && conn.query.resume === resumeToken;
  const seq = resumed ? Number(conn.query.received) : 0;
  conn.send({ type: 'welcome', room: conn.query.roomId, to: id, data: { id, peers, resumed, resumeToken, seq, ...extra } });
}

/** A ws:// URL of a port on 127.0.0.1 where nothing listens (connections are refused). */
export async function deadUrl() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return `ws://127.0.0.1:${port}/ws`;
}

/** The next `name` event of a client, bounded. */
export function next(client, name, ms = WAIT_MS) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { off(); reject(new Error(`no '${name}' event within ${ms} ms`)); }, ms);
    const off = client.on(name, (v) => { clearTimeout(timer); off(); resolve(v); });
  });
}

/** Waits until `predicate()` holds, bounded. */
export async function until(predicate, what, ms = WAIT_MS) {
  const end = performance.now() + ms;
  while (!predicate()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
