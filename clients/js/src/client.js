/**
 * SignalHub browser client: signaling protocol v1 (docs/protocol.md) over one WebSocket, with automatic
 * reconnection. A dependency-free ES module, no build step; the hub serves it at `/client.js`.
 *
 * @example
 * import { SignalingClient } from '/client.js';
 *
 * const client = new SignalingClient({ room: 'alpha123' });   // url defaults to ws(s)://<this origin>/ws
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
 * - `error` {@link HubError}: an `error` frame from the hub (the socket stays usable).
 * - `state`: `'connecting' | 'joined' | 'reconnecting' | 'closed'`.
 * - `disconnect` `{code, reason, reconnecting}`: the socket closed (not emitted for close()/leave()).
 * - `message` (every frame received, parsed) and `sent` (every frame sent): for logging.
 *
 * connect() rejects (and the client is `closed`) when the first join fails: an `error` frame before
 * `welcome` (`id-taken`, `room-full`, `invalid-id`, ...) or the socket closing before `welcome`.
 * Reconnection: once joined, a socket that drops (any close but one caused by close()/leave() or with code
 * 1008) is reopened with exponential backoff (500 ms doubling up to `maxBackoffMs`, ±20 % jitter), joining
 * the same room with the same id (also one the hub chose). `id-taken` (our old connection not yet gone on
 * the hub) and `unavailable` are retried; `id-taken` at most 5 times in a row. Any other refusal closes.
 * If a `welcome` carried `data.resumeToken`, the reconnect sends it back as `&resume=<token>`, with
 * `&received=<seq>`, the `seq` of the last frame it got; frames with a `seq` already seen are ignored. The send methods return false, and send nothing, unless the client is `joined`.
 */

/** @typedef {{id: string, room: string, peers: string[], iceServers?: RTCIceServer[], rejoined: boolean, resumed: boolean}} Welcome */
/** @typedef {{type: string, from?: string, to?: string, room?: string, data: any}} Relayed */
/** @typedef {{code: string, message: string, type?: string, to?: string}} HubError */
/** @typedef {'connecting' | 'joined' | 'reconnecting' | 'closed'} State */

const BACKOFF_START_MS = 500;
const ID_TAKEN_RETRIES = 5;
const LEAVE_TIMEOUT_MS = 1500;

export class SignalingClient {
  /** @type {State} */ state = 'closed';
  #listeners = new Map();
  /** @type {WebSocket | null} */ #ws = null;
  #id; #peers = new Set(); #resumeToken = null; #lastSeq = 0; #welcomed = false; #stopped = true;
  #attempt = 0; #idTaken = 0; #retryTimer = 0; #joinTimer = 0; #leaveTimer = 0; #leaving = null;
  /** @type {{resolve: (w: Welcome) => void, reject: (e: Error) => void, promise: Promise<Welcome>} | null} */
  #waiting = null;
  /** @type {Welcome | null} */ #welcome = null;

  /**
   * @param {object} options
   * @param {string} options.room room to join (1-64 of `A-Z a-z 0-9 _ -`)
   * @param {string} [options.id] peer id; by default the hub chooses one (kept across reconnects)
   * @param {string} [options.url] WebSocket URL of the hub, default `ws(s)://<page host>/ws`
   * @param {boolean} [options.reconnect] reconnect after a dropped socket (default true)
   * @param {number} [options.maxBackoffMs] longest wait between reconnect attempts (default 10000)
   * @param {number} [options.joinTimeoutMs] give up an attempt without `welcome` after this long (default 10000)
   */
  constructor({ room, id, url, reconnect = true, maxBackoffMs = 10000, joinTimeoutMs = 10000 }) {
    if (!room) throw new TypeError('SignalingClient: room is required');
    this.room = room;
    this.url = url || `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
    this.options = { id, reconnect, maxBackoffMs, joinTimeoutMs };
    this.#id = id;
  }

  /** Our peer id: the one asked for, then the one `welcome` confirmed. @returns {string | undefined} */
  get id() { return this.#id; }

  /** The other peers of the room, as far as we were told. @returns {string[]} */
  get peers() { return [...this.#peers]; }

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
    if (this.state === 'closed') {
      this.#stopped = false;
      this.#welcomed = false;
      this.#id = this.options.id;
      this.#attempt = this.#idTaken = 0;
      this.#open('connecting');
    }
    return this.#waiting.promise;
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

  #open(state) {
    this.#setState(state);
    const url = new URL(this.url, location.href); // a relative or http(s) URL works too
    url.protocol = url.protocol.replace('http', 'ws');
    url.searchParams.set('roomId', this.room);
    url.searchParams.set('protocol', 'v1');
    if (this.#id) url.searchParams.set('ClientId', this.#id);
    if (this.#resumeToken) {
      url.searchParams.set('resume', this.#resumeToken);
      url.searchParams.set('received', String(this.#lastSeq)); // the hub replays what followed
    }
    const ws = new WebSocket(url);
    this.#ws = ws;
    this.#joinTimer = setTimeout(() => ws.close(), this.options.joinTimeoutMs);
    ws.onmessage = (ev) => { if (this.#ws === ws) this.#onFrame(ev.data); };
    ws.onclose = (ev) => { if (this.#ws === ws) this.#onClose(ev); };
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
    this.#attempt = this.#idTaken = 0;
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
    // Before `welcome`: the join was refused. Our own old connection may still hold the id for a moment.
    const transient = err.code === 'unavailable' || (err.code === 'id-taken' && ++this.#idTaken <= ID_TAKEN_RETRIES);
    if (this.state === 'reconnecting' && transient) {
      clearTimeout(this.#joinTimer);
      this.#ws.close(1000, 'retrying');
      this.#ws = null;
      return this.#retry();
    }
    this.#emit('error', err);
    this.#settle(null, Object.assign(new Error(err.message), err));
    this.close();
  }

  /** @param {CloseEvent} ev */
  #onClose(ev) {
    clearTimeout(this.#joinTimer);
    this.#ws = null;
    this.#peers.clear();
    const again = this.options.reconnect && this.#welcomed && !this.#stopped && ev.code !== 1008;
    this.#emit('disconnect', { code: ev.code, reason: ev.reason, reconnecting: again });
    if (again) return this.#retry();
    this.#settle(null, Object.assign(new Error(`connection closed before welcome (code ${ev.code})`), { code: 'disconnected' }));
    this.close();
  }

  #retry() {
    this.#setState('reconnecting');
    const backoff = BACKOFF_START_MS * 2 ** this.#attempt++ * (0.8 + 0.4 * Math.random());
    this.#retryTimer = setTimeout(() => this.#open('reconnecting'), Math.min(this.options.maxBackoffMs, backoff));
  }

  #sendFrame(frame) {
    if (this.state !== 'joined' || this.#ws?.readyState !== WebSocket.OPEN) return false;
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
