/**
 * SignalHub client: signaling protocol v1 (docs/protocol.md) over one WebSocket, with automatic reconnection and
 * failover between the nodes of a hub cluster. A dependency-free ES module, no build step. The hub serves it at
 * `/client.js` (with `Access-Control-Allow-Origin: *`, so a page on another origin can import it); it is also the
 * npm package `signalhub-client` (the repository's clients/js, with TypeScript declarations in client.d.ts).
 *
 * @example
 * import { SignalingClient } from '/client.js';   // or 'https://hub.example.org/client.js', or 'signalhub-client'
 *
 * const client = new SignalingClient({
 *   room: 'alpha123',                  // without url/urls: ws(s)://<this page's host>/ws
 *   urls: ['wss://hub1.example.org/ws', 'wss://hub2.example.org/ws'],  // nodes to fail over to (optional)
 *   token: () => fetch('/signaling-token').then((r) => r.text()),       // a fresh JWT for each attempt (optional)
 * });
 * client.on('welcome', ({ id, peers, iceServers }) => { ... });   // offer to each of `peers`
 * client.on('offer', async ({ from, data }) => {
 *   await pc.setRemoteDescription(data); await pc.setLocalDescription(); client.sendAnswer(from, pc.localDescription);
 * });
 * client.on('ice-candidate', ({ from, data }) => pc.addIceCandidate(data));
 * pc.onicecandidate = ({ candidate }) => client.sendCandidate(peerId, candidate);
 * await client.connect();   // resolves with the first welcome
 *
 * Events (`on(name, fn)` returns a function that removes the listener):
 * - `welcome` {@link Welcome}: joined the room. Also after every reconnect, with `rejoined: true`. With
 *   `resumed: true` the session carried on (docs/protocol.md, "Resume"): same id and room, the other peers saw
 *   nothing, and every frame not received before the drop follows, in order; peer connections stay as they
 *   are. With `resumed: false` the other peers were told `peer-left` then `peer-joined`: set connections up anew.
 * - `peer-joined` `{id, room}`; `peer-left` `{id, reason, room}`.
 * - `offer`, `answer`, `ice-candidate` {@link Relayed}; any other relayed type (e.g. `signal`) likewise.
 * - `error` {@link HubError}: an `error` frame from the hub (the socket stays usable), or `token-failed`: the
 *   token function threw or rejected.
 * - `state`: `'connecting' | 'joined' | 'reconnecting' | 'closed'`.
 * - `disconnect` `{code, reason, reconnecting, url}`: a socket closed, or an attempt was given up (code 1006)
 *   (not emitted for close()/leave()); `reconnecting`: whether another attempt follows.
 * - `retry` `{attempt, delayMs, url}`: the next attempt is due in `delayMs`, to `url` (`attempt`: 1, 2, ... failed
 *   attempts since the last `welcome` or connect()).
 * - `message` (every frame received, parsed) and `sent` (every frame sent): for logging.
 *
 * Nodes: `urls` lists the hub's nodes (`url` is a list of one); any node serves any room and any resume token.
 * The first connect() tries them in order, one after the other at once, until one gives `welcome`: it moves on when
 * an attempt's socket fails or closes before `welcome` (refused, unreachable, node stopping), when it gives no
 * `welcome` within `joinTimeoutMs`, or on `unavailable`. connect() rejects (and the client is `closed`) when the
 * last URL failed too, or at once on a refusal, which any node would repeat: an `error` frame before `welcome`
 * (`id-taken`, `room-full`, `invalid-id`, `unauthorized`, ...), a close with 1008, a failed token function.
 *
 * Reconnection: once joined, a socket that drops (any close but one caused by close()/leave(), 1008 (refused), or
 * one of 4100-4199 (do not reconnect: 4100 removed by the operator, 4101 another connection took this session or id
 * over); docs/protocol.md, "WebSocket close codes") is reopened, joining the same room with the same id (also
 * one the hub chose). Every attempt goes to the next URL of the list in turn, starting after the node that dropped
 * us, so a dead node costs one failed attempt. Backoff is per round over the list: the first attempt of each round
 * waits 500 ms (`minBackoffMs`), doubling each round, ±20 % jitter, never more than `maxBackoffMs`; the other
 * attempts of the round follow at once. With a single URL every attempt waits, 500 ms, 1 s, 2 s, ... A refusal
 * by the hub that is retried (`unavailable`, `id-taken`: our old connection not yet gone; at most 5 in a row)
 * or a failed token function ends the round: the next attempt waits the next backoff. Any other refusal closes.
 * If a `welcome` carried `data.resumeToken`, each attempt sends it back as `&resume=<token>`, with
 * `&received=<seq>`, the `seq` of the last frame it got; frames with a `seq` already seen are ignored. The
 * token and `seq` are the client's, not a node's: the session resumes on whichever node answers.
 *
 * Authentication: `token` is a JWT string, or a function returning one (or a Promise of one) that is called before
 * every attempt, the first connect's, each failover's and each reconnect's, so it can hand out a fresh token each
 * time; it goes in the URL as `&token=<jwt>` (URL-encoded). Without it the hub must be in anonymous mode.
 *
 * The send methods return false, and send nothing, unless the client is `joined`. Outside a browser (Node 20 has
 * no global WebSocket) pass the `WebSocket` option, e.g. the `ws` package's class, and an absolute `url`/`urls`.
 */

/** @typedef {{id: string, room: string, peers: string[], iceServers?: RTCIceServer[], rejoined: boolean, resumed: boolean}} Welcome */
/** @typedef {{type: string, from?: string, to?: string, room?: string, data: any}} Relayed */
/** @typedef {{code: string, message: string, type?: string, to?: string}} HubError */
/** @typedef {'connecting' | 'joined' | 'reconnecting' | 'closed'} State */
/** @typedef {string | (() => string | null | undefined | Promise<string | null | undefined>)} TokenOption */

const ID_TAKEN_RETRIES = 5;
const LEAVE_TIMEOUT_MS = 1500;
const OPEN = 1; // WebSocket.OPEN
/** Closes that no node would answer otherwise: refused (token, join time-out, flood), and session taken over. */
/** Closes after which the client does not reconnect: 1008 (refused) and the hub's 4100-4199 range. */
const isFinalClose = (code) => code === 1008 || (code >= 4100 && code <= 4199);
const noop = () => {};

export class SignalingClient {
  /** @type {State} */ state = 'closed';
  #listeners = new Map();
  /** @type {WebSocket | null} */ #ws = null;
  #WebSocket; #token; #urlIndex = 0;
  #id; #peers = new Set(); #resumeToken = null; #lastSeq = 0; #welcomed = false; #stopped = true;
  #attempt = 0; #failures = 0; #tried = 0; #idTaken = 0; #generation = 0;
  #retryTimer = 0; #joinTimer = 0; #leaveTimer = 0; #leaving = null;
  /** @type {{resolve: (w: Welcome) => void, reject: (e: Error) => void, promise: Promise<Welcome>} | null} */
  #waiting = null;
  /** @type {Welcome | null} */ #welcome = null;

  /**
   * @param {object} options
   * @param {string} options.room room to join (1-64 of `A-Z a-z 0-9 _ -`)
   * @param {string} [options.id] peer id; by default the hub chooses one (kept across reconnects); with a token,
   *   its `sub`
   * @param {string} [options.url] WebSocket URL of the hub (`ws:`, `wss:`, or `http(s):`, relative to the page),
   *   default `ws(s)://<page host>/ws`
   * @param {string[]} [options.urls] WebSocket URLs of several nodes of the hub, instead of `url`: tried in order,
   *   and in turn on reconnects (see the module documentation)
   * @param {TokenOption} [options.token] JWT, or a function giving one (or a Promise of one), called before each
   *   attempt; sent as `?token=`
   * @param {boolean} [options.reconnect] reconnect after a dropped socket (default true)
   * @param {number} [options.minBackoffMs] wait before the first round of reconnect attempts (default 500)
   * @param {number} [options.maxBackoffMs] longest wait between reconnect attempts (default 10000)
   * @param {number} [options.joinTimeoutMs] give up an attempt (token, handshake and `welcome`) after this long,
   *   and try the next URL (default 10000)
   * @param {new (url: string) => WebSocket} [options.WebSocket] WebSocket class, default the global one
   */
  constructor({
    room, id, url, urls, token, reconnect = true, minBackoffMs = 500, maxBackoffMs = 10000, joinTimeoutMs = 10000,
    WebSocket: WebSocketClass = globalThis.WebSocket,
  } = /** @type {any} */ ({})) {
    if (!room) throw new TypeError('SignalingClient: room is required');
    if (url && urls) throw new TypeError('SignalingClient: give url or urls, not both');
    const base = globalThis.location?.href;
    const list = urls ? [...urls] : [url || defaultUrl()];
    if (!list.length) throw new TypeError('SignalingClient: urls is empty');
    for (const u of list) {
      let parsed = null;
      try { parsed = new URL(u, base); } catch { /* checked below */ }
      if (!parsed || !/^(wss?|https?):$/.test(parsed.protocol)) {
        throw new TypeError(`SignalingClient: not a ws(s) or http(s) URL${base ? '' : ' (an absolute URL is needed here)'}: ${u}`);
      }
    }
    if (token != null && typeof token !== 'string' && typeof token !== 'function') {
      throw new TypeError('SignalingClient: token must be a string or a function');
    }
    if (typeof WebSocketClass !== 'function') {
      throw new TypeError('SignalingClient: no WebSocket class here: pass the WebSocket option (e.g. the ws package\'s)');
    }
    this.room = room;
    /** @type {readonly string[]} */
    this.urls = Object.freeze(list.map(String));
    this.options = { id, reconnect, minBackoffMs, maxBackoffMs, joinTimeoutMs };
    this.#token = token;
    this.#WebSocket = WebSocketClass;
    this.#id = id;
  }

  /** Our peer id: the one asked for, then the one `welcome` confirmed. @returns {string | undefined} */
  get id() { return this.#id; }

  /** The other peers of the room, as far as we were told. @returns {string[]} */
  get peers() { return [...this.#peers]; }

  /** The URL (one of `urls`, as given) of the current or last attempt. @returns {string} */
  get url() { return this.urls[this.#urlIndex]; }

  /** @param {string} name see the module documentation @param {(value: any) => void} fn @returns {() => void} */
  on(name, fn) {
    if (!this.#listeners.has(name)) this.#listeners.set(name, new Set());
    this.#listeners.get(name).add(fn);
    return () => this.off(name, fn);
  }

  /** @param {string} name @param {(value: any) => void} fn */
  off(name, fn) { this.#listeners.get(name)?.delete(fn); }

  /** Opens the socket and joins. @returns {Promise<Welcome>} the next `welcome` */
  connect() {
    if (this.state === 'joined') return Promise.resolve(this.#welcome);
    if (!this.#waiting) {
      let resolve, reject;
      const promise = new Promise((res, rej) => { resolve = res; reject = rej; });
      this.#waiting = { resolve, reject, promise };
    }
    const { promise } = this.#waiting; // the attempt may settle it at once (a token function that throws)
    if (this.state === 'closed') {
      this.#stopped = false;
      this.#welcomed = false;
      this.#id = this.options.id;
      this.#attempt = this.#failures = this.#tried = this.#idTaken = 0;
      this.#urlIndex = 0;
      this.#open('connecting');
    }
    return promise;
  }

  /**
   * Sends one signaling frame; `to` null or undefined sends it to every other peer of the room.
   * @param {string} type @param {string | null | undefined} to @param {any} data
   * @returns {boolean} whether it was sent
   */
  send(type, to, data) {
    const frame = { type };
    if (to) frame.to = to;
    if (data !== undefined) frame.data = data;
    return this.#sendFrame(frame);
  }

  /** @param {string | null} to @param {RTCSessionDescriptionInit} description */
  sendOffer(to, description) { return this.send('offer', to, { type: description.type, sdp: description.sdp }); }

  /** @param {string | null} to @param {RTCSessionDescriptionInit} description */
  sendAnswer(to, description) { return this.send('answer', to, { type: description.type, sdp: description.sdp }); }

  /**
   * @param {string | null} to
   * @param {RTCIceCandidate | RTCIceCandidateInit | null} candidate null sends end-of-candidates (`candidate: ""`)
   */
  sendCandidate(to, candidate) {
    const data = !candidate ? { candidate: '' } : typeof candidate.toJSON === 'function' ? candidate.toJSON() : candidate;
    return this.send('ice-candidate', to, data);
  }

  /** Leaves the room (peers see `peer-left` with reason `left`), then closes. @returns {Promise<void>} */
  leave() {
    if (this.state !== 'joined' || !this.#sendFrame({ type: 'leave' })) {
      this.close();
      return Promise.resolve();
    }
    this.#stopped = true;
    this.#leaveTimer = setTimeout(() => this.close(), LEAVE_TIMEOUT_MS);
    return new Promise((resolve) => { this.#leaving = resolve; });
  }

  /** Closes the socket at once, with no reconnect. */
  close() {
    this.#stopped = true;
    this.#generation++; // an attempt still waiting for its token goes no further
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#joinTimer);
    clearTimeout(this.#leaveTimer);
    this.#ws?.close(1000, 'closed by the client');
    this.#ws = null;
    this.#peers.clear();
    this.#resumeToken = null;
    this.#settle(null, Object.assign(new Error('closed before joining'), { code: 'closed' }));
    this.#leaving?.();
    this.#leaving = null;
    this.#setState('closed');
  }

  // -------------------------------------------------------------------------------------------

  /** One attempt: the token, the socket to `this.url`, then `welcome` within joinTimeoutMs. */
  async #open(state) {
    this.#setState(state);
    const generation = ++this.#generation;
    if (!this.#welcomed) this.#tried++;
    clearTimeout(this.#joinTimer);
    this.#joinTimer = setTimeout(() => this.#giveUp(generation), this.options.joinTimeoutMs);
    let token = this.#token;
    if (typeof token === 'function') {
      try {
        token = await token();
      } catch (e) {
        if (generation === this.#generation) this.#tokenFailed(e);
        return;
      }
      if (generation !== this.#generation) return; // closed, or given up, meanwhile
    }
    const url = new URL(this.url, globalThis.location?.href); // a relative or http(s) URL works too
    url.protocol = url.protocol.replace('http', 'ws');
    url.searchParams.set('roomId', this.room);
    url.searchParams.set('protocol', 'v1');
    if (this.#id) url.searchParams.set('ClientId', this.#id);
    if (token) url.searchParams.set('token', String(token));
    if (this.#resumeToken) {
      url.searchParams.set('resume', this.#resumeToken);
      url.searchParams.set('received', String(this.#lastSeq)); // the hub replays what followed
    }
    let ws;
    try {
      ws = new this.#WebSocket(url.href);
    } catch (e) { // e.g. a ws: URL from an https: page
      return this.#onClose({ code: 1006, reason: String(e?.message ?? e) });
    }
    this.#ws = ws;
    ws.onerror = noop; // a failed socket also closes (and the ws package throws an error nobody listens to)
    ws.onmessage = (ev) => { if (this.#ws === ws) this.#onFrame(ev.data); };
    ws.onclose = (ev) => { if (this.#ws === ws) this.#onClose(ev); };
  }

  /** No `welcome` within joinTimeoutMs: this attempt is over, whatever it is still waiting for. */
  #giveUp(generation) {
    if (generation !== this.#generation || this.#stopped) return;
    this.#generation++;
    const ws = this.#ws;
    if (ws) {
      this.#ws = null;
      try { ws.close(1000, 'no welcome in time'); } catch { /* closing anyway */ }
    }
    this.#onClose({ code: 1006, reason: `no welcome within ${this.options.joinTimeoutMs} ms` });
  }

  #tokenFailed(e) {
    clearTimeout(this.#joinTimer);
    const err = { code: 'token-failed', message: `the token function failed: ${e?.message ?? e}` };
    this.#emit('error', err);
    if (this.#welcomed && this.options.reconnect && !this.#stopped) return this.#retry(true);
    this.#settle(null, Object.assign(new Error(err.message), err, { cause: e }));
    this.close();
  }

  #onFrame(raw) {
    let f;
    try { f = JSON.parse(raw); } catch { return; }
    if (!f || typeof f.type !== 'string') return;
    if (typeof f.seq === 'number') {
      if (f.seq <= this.#lastSeq) return; // already had it (a replay after a resume)
      this.#lastSeq = f.seq;
    }
    this.#emit('message', f);
    const d = f.data && typeof f.data === 'object' ? f.data : {};
    switch (f.type) {
      case 'welcome': return this.#onWelcome(f, d);
      case 'error': return this.#onError({ code: d.code, message: d.message, type: d.type, to: d.to });
      case 'peer-joined':
        this.#peers.add(d.id);
        return this.#emit('peer-joined', { id: d.id, room: f.room });
      case 'peer-left':
        this.#peers.delete(d.id);
        return this.#emit('peer-left', { id: d.id, reason: d.reason, room: f.room });
      case 'left': return this.#leaving && this.close();
      default: return this.#emit(f.type, { type: f.type, from: f.from, to: f.to, room: f.room, data: f.data });
    }
  }

  #onWelcome(f, d) {
    clearTimeout(this.#joinTimer);
    this.#id = d.id;
    this.room = f.room || this.room;
    this.#peers = new Set(d.peers || []);
    this.#resumeToken = typeof d.resumeToken === 'string' ? d.resumeToken : null;
    this.#lastSeq = typeof d.seq === 'number' ? d.seq : 0;
    this.#attempt = this.#failures = this.#idTaken = 0;
    /** @type {Welcome} */
    const welcome = { id: d.id, room: this.room, peers: [...this.#peers], rejoined: this.#welcomed, resumed: d.resumed === true };
    if (Array.isArray(d.iceServers)) welcome.iceServers = d.iceServers;
    this.#welcomed = true;
    this.#welcome = welcome;
    this.#setState('joined');
    this.#emit('welcome', welcome);
    this.#settle(welcome);
  }

  /** @param {HubError} err */
  #onError(err) {
    if (this.state === 'joined') return this.#emit('error', err);
    // Before `welcome`: the join was refused. Our own old connection may still hold the id for a moment; a node
    // in cluster trouble answers `unavailable` (another may not).
    const retried = this.#welcomed
      ? err.code === 'unavailable' || (err.code === 'id-taken' && ++this.#idTaken <= ID_TAKEN_RETRIES)
      : err.code === 'unavailable' && this.#tried < this.urls.length;
    if (retried && !this.#stopped) {
      clearTimeout(this.#joinTimer);
      this.#ws.close(1000, 'retrying');
      this.#ws = null;
      return this.#retry(true);
    }
    this.#emit('error', err);
    this.#settle(null, Object.assign(new Error(err.message), err));
    this.close();
  }

  /** @param {{code: number, reason: string}} ev */
  #onClose({ code, reason }) {
    clearTimeout(this.#joinTimer);
    this.#ws = null;
    this.#peers.clear();
    const again = !this.#stopped && !isFinalClose(code)
      && (this.#welcomed ? this.options.reconnect : this.#tried < this.urls.length);
    this.#emit('disconnect', { code, reason, reconnecting: again, url: this.url });
    if (again) return this.#retry(false);
    this.#settle(null, Object.assign(new Error(`connection closed before welcome (code ${code})`), { code: 'disconnected' }));
    this.close();
  }

  /**
   * Schedules the next attempt, to the next URL. First connect: at once. Reconnect: the first attempt of each round
   * over `urls` waits the round's backoff; `refused` (the hub answered, or the token failed) ends the round.
   */
  #retry(refused) {
    const n = this.urls.length;
    this.#urlIndex = (this.#urlIndex + 1) % n;
    let delayMs = 0;
    if (this.#welcomed) {
      this.#setState('reconnecting');
      if (refused && this.#attempt % n) this.#attempt += n - (this.#attempt % n);
      if (this.#attempt % n === 0) {
        const base = Math.min(this.options.maxBackoffMs, this.options.minBackoffMs * 2 ** (this.#attempt / n));
        delayMs = Math.round(Math.min(this.options.maxBackoffMs, base * (0.8 + 0.4 * Math.random())));
      }
      this.#attempt++;
    }
    this.#emit('retry', { attempt: ++this.#failures, delayMs, url: this.url });
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => this.#open(this.#welcomed ? 'reconnecting' : 'connecting'), delayMs);
  }

  #sendFrame(frame) {
    if (this.state !== 'joined' || this.#ws?.readyState !== OPEN) return false;
    this.#ws.send(JSON.stringify(frame));
    this.#emit('sent', frame);
    return true;
  }

  #settle(welcome, error) {
    const w = this.#waiting;
    this.#waiting = null;
    if (w && welcome) w.resolve(welcome);
    else if (w && error) w.reject(error);
  }

  /** @param {State} state */
  #setState(state) {
    if (this.state === state) return;
    this.state = state;
    this.#emit('state', state);
  }

  #emit(name, value) {
    for (const fn of [...(this.#listeners.get(name) || [])]) {
      try { fn(value); } catch (e) { queueMicrotask(() => { throw e; }); }
    }
  }
}

function defaultUrl() {
  const loc = globalThis.location;
  if (!loc?.host) throw new TypeError('SignalingClient: url or urls is required outside a web page');
  return `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}/ws`;
}
