// Two real WebRTC peers (@roamhq/wrtc) that may only connect through a TURN relay
// (iceTransportPolicy: 'relay'), with the TURN credentials the hub puts in `welcome`.
//
// usage: node turn-relay.js <wsBase> <room> <connect|fail>
//   connect: the data channel must open and carry a message each way, and each peer's selected candidate
//            pair (getStats) must be a succeeded pair whose local candidate is a relay candidate;
//   fail:    (the hub holds a wrong TURN secret) with a TURN server offered in `welcome` and the offer/answer
//            exchanged, both peers finish ICE gathering with no relay candidate, and no connection is made.
// In both cases a hub `error` frame, or a signaling socket that closes or fails before the end, is a failure.
// Prints one JSON line {"ok":..,...} and exits 0 when the expectation held, 1 otherwise.
'use strict';
const WebSocket = require('ws');
const { RTCPeerConnection } = require('@roamhq/wrtc');

const [wsBase, room, expect] = process.argv.slice(2);
if (!wsBase || !room || (expect !== 'connect' && expect !== 'fail')) {
  process.stdout.write(JSON.stringify({ ok: false, error: 'usage: node turn-relay.js <wsBase> <room> <connect|fail>' }) + '\n');
  process.exit(1);
}
const started = Date.now();
const log = [];
const sockets = [];
const pcs = [];
let finished = false;

function finish(result) {
  if (finished) return;
  finished = true;
  for (const pc of pcs) { try { pc.close(); } catch (e) { /* closing */ } }
  for (const ws of sockets) { try { ws.close(); } catch (e) { /* closing */ } }
  process.stdout.write(JSON.stringify(result) + '\n');
  if (!result.ok) process.stderr.write(log.join('\n') + '\n');
  setTimeout(() => process.exit(result.ok ? 0 : 1), 50);
}
const fail = (error, extra) => finish(Object.assign({ ok: false, error }, extra || {}));
setTimeout(() => fail('timeout', { a: summary(a), b: b && summary(b) }), 20000).unref();

function summary(s) {
  return {
    turnOffered: s.turnOffered, gathering: s.pc && s.pc.iceGatheringState, gatheringComplete: s.gatheringComplete,
    relayCandidates: s.relayCandidates, otherCandidates: s.otherCandidates, sentDescription: s.sentDescription,
    gotDescription: s.gotDescription, ice: s.pc && s.pc.iceConnectionState, channelOpen: s.channelOpen,
  };
}

function peer(id, other, initiator) {
  const ws = new WebSocket(`${wsBase}/ws?roomId=${room}&ClientId=${id}`);
  sockets.push(ws);
  const state = {
    id, ws, relayCandidates: 0, otherCandidates: 0, channel: null, channelOpen: false, pc: null, pending: [],
    turnOffered: false, gatheringComplete: false, sentDescription: null, gotDescription: null, changed: () => {},
  };
  const send = (frame) => ws.send(JSON.stringify(frame));
  const start = (iceServers) => {
    const pc = new RTCPeerConnection({ iceServers, iceTransportPolicy: 'relay' });
    pcs.push(pc);
    state.pc = pc;
    pc.onicecandidate = (e) => {
      if (!e.candidate) { // end of gathering
        state.gatheringComplete = true;
        log.push(`${id} ICE gathering complete`);
        state.changed();
        return;
      }
      if (/ typ relay /.test(e.candidate.candidate)) state.relayCandidates++; else state.otherCandidates++;
      send({ type: 'ice-candidate', to: other, data: e.candidate.toJSON ? e.candidate.toJSON() : e.candidate });
    };
    pc.oniceconnectionstatechange = () => { log.push(`${id} ICE ${pc.iceConnectionState}`); state.changed(); };
    const wire = (dc) => {
      state.channel = dc;
      dc.onmessage = (m) => { log.push(`${id} got ${m.data}`); state.onMessage && state.onMessage(String(m.data)); };
      dc.onopen = () => { state.channelOpen = true; state.onOpen && state.onOpen(); state.changed(); };
    };
    pc.ondatachannel = (e) => wire(e.channel);
    if (initiator) {
      wire(pc.createDataChannel('chat'));
      pc.createOffer().then((o) => pc.setLocalDescription(o))
        .then(() => {
          send({ type: 'offer', to: other, data: { type: 'offer', sdp: pc.localDescription.sdp } });
          state.sentDescription = 'offer';
          state.changed();
        })
        .catch((e) => fail(`${id} offer: ${e}`));
    }
    for (const f of state.pending.splice(0)) handle(f).catch((e) => fail(`${id} ${e}`));
  };
  const handle = async (f) => {
    const pc = state.pc;
    if (!pc) { state.pending.push(f); return; }
    if (f.type === 'offer') {
      await pc.setRemoteDescription(f.data);
      state.gotDescription = 'offer';
      const answer = await pc.createAnswer();
      await pc.setLocalDescription(answer);
      send({ type: 'answer', to: other, data: { type: 'answer', sdp: pc.localDescription.sdp } });
      state.sentDescription = 'answer';
    } else if (f.type === 'answer') {
      await pc.setRemoteDescription(f.data);
      state.gotDescription = 'answer';
    } else if (f.type === 'ice-candidate') {
      await pc.addIceCandidate(f.data).catch((e) => log.push(`${id} addIceCandidate: ${e}`));
    }
    state.changed();
  };
  ws.on('message', (raw) => {
    const f = JSON.parse(String(raw));
    log.push(`${id} <- ${f.type}${f.data && f.data.candidate ? ' ' + f.data.candidate : ''}`);
    if (f.type === 'welcome') {
      const iceServers = f.data.iceServers || [];
      state.iceServers = iceServers;
      // the hub must offer a TURN server with credentials: without one, 'relay' gathers nothing and the
      // wrong-secret case would pass for the wrong reason
      state.turnOffered = iceServers.some((s) => [].concat(s.urls || s.url || []).some((u) => /^turns?:/.test(u))
        && typeof s.username === 'string' && typeof s.credential === 'string');
      if (!state.turnOffered) return fail(`${id}: welcome offers no TURN server: ${JSON.stringify(f.data.iceServers)}`);
      if (!initiator || f.data.peers.includes(other)) start(iceServers);
    } else if (f.type === 'peer-joined') {
      if (initiator && !state.pc) start(state.iceServers);
    } else if (f.type === 'error') {
      fail(`${id}: hub error ${JSON.stringify(f.data)}`);
    } else {
      handle(f).catch((e) => fail(`${id} ${e}`));
    }
  });
  ws.on('error', (e) => fail(`${id} socket: ${e.message}`));
  ws.on('close', (code) => fail(`${id}: signaling socket closed (${code}) before the end`));
  return state;
}

const a = peer('turnA', 'turnB', true);
let b;
setTimeout(() => { b = peer('turnB', 'turnA', false); expectation(); }, 100);

/** The selected candidate pair of `pc` (getStats): its state and the types of its two candidates. */
async function selectedPair(pc) {
  const stats = await pc.getStats();
  const byId = new Map();
  stats.forEach((s) => byId.set(s.id, s));
  let pair = null;
  stats.forEach((s) => {
    if (s.type === 'transport' && s.selectedCandidatePairId) pair = byId.get(s.selectedCandidatePairId);
  });
  if (!pair) return null;
  const local = byId.get(pair.localCandidateId) || {};
  const remote = byId.get(pair.remoteCandidateId) || {};
  return { state: pair.state, nominated: pair.nominated, local: local.candidateType, remote: remote.candidateType,
    localAddress: `${local.address}:${local.port}`, remoteAddress: `${remote.address}:${remote.port}` };
}

function expectation() {
  if (expect === 'connect') {
    let gotA = false; let gotB = false;
    const done = async () => {
      if (!(gotA && gotB)) return;
      try {
        const relayed = (p) => p && p.state === 'succeeded' && p.local === 'relay';
        // the data flowed both ways; a nominated pair's stats may still say in-progress for a moment (libwebrtc
        // updates the state of the pair in use after its check's response): read them again, for at most 3 s
        let pairs;
        for (let i = 0; i < 30; i++) {
          pairs = { a: await selectedPair(a.pc), b: await selectedPair(b.pc) };
          if (relayed(pairs.a) && relayed(pairs.b)) break;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        if (!relayed(pairs.a) || !relayed(pairs.b)) {
          return fail('the selected candidate pair is not a succeeded pair through the relay', { pairs });
        }
        finish({ ok: true, connected: true, connectMs: Date.now() - started,
          relayCandidates: a.relayCandidates + b.relayCandidates, pairs });
      } catch (e) {
        fail(`getStats: ${e}`);
      }
    };
    a.onOpen = () => a.channel.send('hello-from-A');
    b.onMessage = (m) => { if (m === 'hello-from-A') { gotB = true; b.channel.send('hello-from-B'); done(); } };
    a.onMessage = (m) => { if (m === 'hello-from-B') { gotA = true; done(); } };
  } else {
    // wrong secret: decide once both peers finished gathering and the offer/answer went both ways, not when a
    // time window runs out
    const check = () => {
      for (const s of [a, b]) {
        if (s.channelOpen) return fail(`${s.id}: the data channel opened although the TURN credentials are wrong`);
      }
      const ready = a.turnOffered && b.turnOffered && a.gatheringComplete && b.gatheringComplete
        && a.sentDescription === 'offer' && b.gotDescription === 'offer'
        && b.sentDescription === 'answer' && a.gotDescription === 'answer';
      if (!ready) return;
      const relayCandidates = a.relayCandidates + b.relayCandidates;
      const connected = [a, b].filter((s) => ['connected', 'completed'].includes(s.pc.iceConnectionState));
      if (relayCandidates !== 0) {
        return fail('relay candidates were gathered with a wrong secret', { a: summary(a), b: summary(b) });
      }
      if (connected.length) return fail('ICE connected although the TURN credentials are wrong', { a: summary(a), b: summary(b) });
      finish({ ok: true, connected: false, relayCandidates, a: summary(a), b: summary(b), decidedMs: Date.now() - started });
    };
    a.changed = check;
    b.changed = check;
  }
}
