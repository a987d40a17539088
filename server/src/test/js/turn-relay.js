// Two real WebRTC peers (@roamhq/wrtc) that may only connect through a TURN relay
// (iceTransportPolicy: 'relay'), with the TURN credentials the hub puts in `welcome`.
//
// usage: node turn-relay.js <wsBase> <room> <connect|fail>
//   connect: the data channel must open through the relay and carry a message each way;
//   fail:    (the hub holds a wrong TURN secret) no relay candidate may be gathered and no connection made.
// Prints one JSON line {"ok":..,...} and exits 0 when the expectation held, 1 otherwise.
'use strict';
const WebSocket = require('ws');
const { RTCPeerConnection } = require('@roamhq/wrtc');

const [wsBase, room, expect] = process.argv.slice(2);
const started = Date.now();
const FAIL_WINDOW_MS = 6000;
const log = [];
const sockets = [];
const pcs = [];

function finish(result) {
  for (const pc of pcs) { try { pc.close(); } catch (e) { /* closing */ } }
  for (const ws of sockets) { try { ws.close(); } catch (e) { /* closing */ } }
  process.stdout.write(JSON.stringify(result) + '\n');
  if (!result.ok) process.stderr.write(log.join('\n') + '\n');
  setTimeout(() => process.exit(result.ok ? 0 : 1), 50);
}
setTimeout(() => finish({ ok: false, error: 'timeout' }), 20000).unref();

function peer(id, other, initiator) {
  const ws = new WebSocket(`${wsBase}/ws?roomId=${room}&ClientId=${id}`);
  sockets.push(ws);
  const send = (frame) => ws.send(JSON.stringify(frame));
  const state = { relayCandidates: 0, channel: null, pc: null, pending: [] };
  const start = (iceServers) => {
    const pc = new RTCPeerConnection({ iceServers, iceTransportPolicy: 'relay' });
    pcs.push(pc);
    state.pc = pc;
    pc.onicecandidate = (e) => {
      if (!e.candidate) return;
      if (/ typ relay /.test(e.candidate.candidate)) state.relayCandidates++;
      send({ type: 'ice-candidate', to: other, data: e.candidate.toJSON ? e.candidate.toJSON() : e.candidate });
    };
    const wire = (dc) => {
      state.channel = dc;
      dc.onmessage = (m) => { log.push(`${id} got ${m.data}`); state.onMessage && state.onMessage(String(m.data)); };
      dc.onopen = () => state.onOpen && state.onOpen();
    };
    pc.ondatachannel = (e) => wire(e.channel);
    if (initiator) {
      wire(pc.createDataChannel('chat'));
      pc.createOffer().then((o) => pc.setLocalDescription(o))
        .then(() => send({ type: 'offer', to: other, data: { type: 'offer', sdp: pc.localDescription.sdp } }));
    }
    for (const f of state.pending) handle(f);
  };
  const handle = async (f) => {
    const pc = state.pc;
    if (!pc) { state.pending.push(f); return; }
    if (f.type === 'offer') {
      await pc.setRemoteDescription(f.data);
      const answer = await pc.createAnswer();
      await pc.setLocalDescription(answer);
      send({ type: 'answer', to: other, data: { type: 'answer', sdp: pc.localDescription.sdp } });
    } else if (f.type === 'answer') {
      await pc.setRemoteDescription(f.data);
    } else if (f.type === 'ice-candidate') {
      await pc.addIceCandidate(f.data).catch((e) => log.push(`${id} addIceCandidate: ${e}`));
    }
  };
  ws.on('message', (raw) => {
    const f = JSON.parse(String(raw));
    log.push(`${id} <- ${f.type}${f.data && f.data.candidate ? ' ' + f.data.candidate : ''}`);
    if (f.type === 'welcome') {
      state.iceServers = f.data.iceServers || [];
      if (!initiator || f.data.peers.includes(other)) start(state.iceServers);
    } else if (f.type === 'peer-joined' && initiator && !state.pc) {
      start(state.iceServers);
    } else if (f.type === 'error') {
      log.push(`${id} error ${JSON.stringify(f.data)}`);
    } else {
      handle(f).catch((e) => log.push(`${id} ${e}`));
    }
  });
  ws.on('error', (e) => finish({ ok: false, error: `${id} socket: ${e.message}` }));
  return state;
}

const a = peer('turnA', 'turnB', true);
let b;
setTimeout(() => { b = peer('turnB', 'turnA', false); wire(); }, 100);

function wire() {
  let gotA = false; let gotB = false;
  const done = () => {
    if (gotA && gotB) {
      finish({ ok: expect === 'connect', connected: true, connectMs: Date.now() - started,
        relayCandidates: a.relayCandidates + b.relayCandidates,
        error: expect === 'connect' ? undefined : 'connected although the TURN credentials are wrong' });
    }
  };
  a.onOpen = () => a.channel.send('hello-from-A');
  b.onMessage = (m) => { if (m === 'hello-from-A') { gotB = true; b.channel.send('hello-from-B'); done(); } };
  a.onMessage = (m) => { if (m === 'hello-from-B') { gotA = true; done(); } };
  if (expect === 'fail') {
    setTimeout(() => {
      const relayCandidates = a.relayCandidates + b.relayCandidates;
      finish({ ok: relayCandidates === 0, connected: false, relayCandidates,
        error: relayCandidates === 0 ? undefined : 'relay candidates were gathered with a wrong secret' });
    }, FAIL_WINDOW_MS);
  }
}
