// TypeScript declarations of client.js (hand-written: keep them in step with its JSDoc). They name no DOM type,
// so they also check in a project without the "dom" lib (Node).

/** The client's state; every change is a `state` event. */
export type State = 'connecting' | 'joined' | 'reconnecting' | 'closed';

/** An ICE server as the hub hands it out in `welcome` (its TURN servers); an `RTCIceServer`. */
export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

/** `welcome`: joined the room (again, after a reconnect: `rejoined`; the session carried on: `resumed`). */
export interface Welcome {
  id: string;
  room: string;
  /** the other peers of the room, oldest first */
  peers: string[];
  /** the hub's TURN servers, when it has some configured */
  iceServers?: IceServer[];
  /** true after a reconnect */
  rejoined: boolean;
  /** true when the session resumed: the other peers saw nothing, peer connections stay as they are */
  resumed: boolean;
}

/** A frame relayed from another peer: `offer`, `answer`, `ice-candidate`, or any other relayed type. */
export interface Relayed {
  type: string;
  from?: string;
  to?: string;
  room?: string;
  data: any;
}

/** An `error` frame of the hub (docs/protocol.md, "Error codes"), or `token-failed` from the client itself. */
export interface HubError {
  code: string;
  message: string;
  /** the type of the frame refused, if known */
  type?: string;
  /** its recipient, if any */
  to?: string;
}

/** connect()'s rejection: an `Error` with the refusal's code (`room-full`, `disconnected`, `closed`, ...). */
export interface SignalingError extends Error {
  code: string;
  type?: string;
  to?: string;
}

export interface PeerJoined { id: string; room: string }
export interface PeerLeft { id: string; reason: string; room: string }

/** A socket closed, or an attempt was given up (code 1006); not emitted for close()/leave(). */
export interface Disconnect {
  code: number;
  reason: string;
  /** whether another attempt follows (a reconnect, or the next URL of the first connect) */
  reconnecting: boolean;
  /** the URL of the socket that closed */
  url: string;
}

/** The next attempt is scheduled. */
export interface Retry {
  /** failed attempts since the last `welcome` (or connect()): 1, 2, ... */
  attempt: number;
  /** wait before it, ms: 0 within a round over `urls` */
  delayMs: number;
  /** where it goes */
  url: string;
}

/** Any frame, as received (`message`) or sent (`sent`). */
export interface Frame {
  type: string;
  room?: string;
  from?: string;
  to?: string;
  seq?: number;
  data?: any;
}

export interface SignalingClientEvents {
  welcome: Welcome;
  'peer-joined': PeerJoined;
  'peer-left': PeerLeft;
  offer: Relayed;
  answer: Relayed;
  'ice-candidate': Relayed;
  error: HubError;
  state: State;
  disconnect: Disconnect;
  retry: Retry;
  message: Frame;
  sent: Frame;
}

/** A JWT, or a function giving one (or a Promise of one), called before every attempt; null or empty: none. */
export type TokenOption = string | (() => string | null | undefined | PromiseLike<string | null | undefined>);

/** An SDP description: an `RTCSessionDescriptionInit` or `RTCSessionDescription`. */
export interface SessionDescriptionLike {
  type: string;
  sdp?: string;
}

/** An ICE candidate: an `RTCIceCandidateInit`, or an `RTCIceCandidate` (sent as its toJSON()). */
export interface IceCandidateLike {
  candidate?: string;
  sdpMid?: string | null;
  sdpMLineIndex?: number | null;
  usernameFragment?: string | null;
  toJSON?(): object;
}

export interface SignalingClientOptions {
  /** room to join (1-64 of `A-Z a-z 0-9 _ -`) */
  room: string;
  /** peer id; by default the hub chooses one (kept across reconnects); with a token, its `sub` */
  id?: string;
  /** WebSocket URL of the hub (`ws:`, `wss:`, or `http(s):`, relative to the page); default `ws(s)://<page host>/ws` */
  url?: string;
  /** WebSocket URLs of several nodes, instead of `url`: tried in order on the first connect, in turn on reconnects */
  urls?: readonly string[];
  /** JWT, or a function giving one, called before each attempt; sent as `?token=` */
  token?: TokenOption;
  /** reconnect after a dropped socket (default true) */
  reconnect?: boolean;
  /** wait before the first round of reconnect attempts, ms (default 500); doubles each round */
  minBackoffMs?: number;
  /** longest wait between reconnect attempts, ms (default 10000) */
  maxBackoffMs?: number;
  /** give up an attempt (token, handshake and `welcome`) after this long and try the next URL, ms (default 10000) */
  joinTimeoutMs?: number;
  /** WebSocket class, default the global one (Node 20 has none: pass the `ws` package's) */
  WebSocket?: new (url: string) => unknown;
}

export class SignalingClient {
  constructor(options: SignalingClientOptions);

  state: State;
  /** the room: the one asked for, then the one `welcome` confirmed */
  room: string;
  /** the hub URLs, as given (`url` is a list of one) */
  readonly urls: readonly string[];
  readonly options: {
    id?: string;
    reconnect: boolean;
    minBackoffMs: number;
    maxBackoffMs: number;
    joinTimeoutMs: number;
  };

  /** our peer id: the one asked for, then the one `welcome` confirmed */
  get id(): string | undefined;
  /** the other peers of the room, as far as we were told */
  get peers(): string[];
  /** the URL (one of `urls`) of the current or last attempt */
  get url(): string;

  /** adds a listener; returns a function that removes it */
  on<K extends keyof SignalingClientEvents>(name: K, fn: (value: SignalingClientEvents[K]) => void): () => void;
  /** any other relayed frame type (e.g. `signal`) */
  on(name: string, fn: (value: Relayed) => void): () => void;
  off<K extends keyof SignalingClientEvents>(name: K, fn: (value: SignalingClientEvents[K]) => void): void;
  off(name: string, fn: (value: Relayed) => void): void;

  /** opens the socket and joins; resolves with the next `welcome`, rejects with a {@link SignalingError} */
  connect(): Promise<Welcome>;
  /** sends one signaling frame; `to` null or undefined: to every other peer of the room; false unless joined */
  send(type: string, to: string | null | undefined, data?: any): boolean;
  sendOffer(to: string | null, description: SessionDescriptionLike): boolean;
  sendAnswer(to: string | null, description: SessionDescriptionLike): boolean;
  /** null sends end-of-candidates (`candidate: ""`) */
  sendCandidate(to: string | null, candidate: IceCandidateLike | null): boolean;
  /** leaves the room (peers see `peer-left` with reason `left`), then closes */
  leave(): Promise<void>;
  /** closes the socket at once, with no reconnect */
  close(): void;
}
