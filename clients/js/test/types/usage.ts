// Compiled by types.test.js with tsc --noEmit, without the DOM lib: the declarations (src/client.d.ts) as an
// application uses them, through the package's name. The @ts-expect-error lines check that they are not `any`.
import { SignalingClient, type Disconnect, type HubError, type Retry, type State, type Welcome } from 'signalhub-client';

declare const WebSocketClass: new (url: string) => object;

const client = new SignalingClient({
  room: 'alpha123',
  urls: ['wss://hub1.example.org/ws', 'wss://hub2.example.org/ws'],
  token: async () => 'jwt',
  maxBackoffMs: 5000,
  WebSocket: WebSocketClass,
});
new SignalingClient({ room: 'r', url: 'ws://127.0.0.1:8080/ws', token: 'jwt', id: 'peerA', reconnect: false });
new SignalingClient({ room: 'r', token: () => undefined });

const off: () => void = client.on('welcome', (w: Welcome) => {
  const ids: string[] = w.peers;
  const resumed: boolean = w.resumed && w.rejoined;
  const turn: string | string[] | undefined = w.iceServers?.[0]?.urls;
  void ids; void resumed; void turn;
});
off();
client.on('state', (s: State) => { if (s === 'reconnecting') void s; });
client.on('disconnect', (d: Disconnect) => { const n: number = d.code; const again: boolean = d.reconnecting; void n; void again; });
client.on('retry', (r: Retry) => { const ms: number = r.delayMs; void ms; });
client.on('error', (e: HubError) => { const code: string = e.code; void code; });
client.on('offer', ({ from, data }) => { client.sendAnswer(from ?? null, { type: 'answer', sdp: String(data.sdp) }); });
client.on('signal', ({ type }) => { const t: string = type; void t; });
client.sendCandidate('peerB', { candidate: 'candidate:1', sdpMid: '0', sdpMLineIndex: 0 });
client.sendCandidate(null, null);
const sent: boolean = client.send('offer', null, { sdp: '' });
const welcome: Promise<Welcome> = client.connect();
const left: Promise<void> = client.leave();
client.close();
const id: string | undefined = client.id;
const url: string = client.url;
const urls: readonly string[] = client.urls;
void sent; void welcome; void left; void id; void url; void urls;

// @ts-expect-error room is required
new SignalingClient({ url: 'ws://x/ws' });
// @ts-expect-error a token is a string or a function
new SignalingClient({ room: 'r', token: 42 });
// @ts-expect-error urls is a list
new SignalingClient({ room: 'r', urls: 'ws://x/ws' });
// @ts-expect-error welcome's peers are strings
client.on('welcome', (w) => { const n: number[] = w.peers; void n; });
// @ts-expect-error the state is one of four
client.on('state', (s) => { if (s === 'open') void s; });
// @ts-expect-error connect() takes no argument
client.connect('ws://x/ws');
