// SignalHub demo: a full-mesh WebRTC room over the hub's signaling protocol v1 (docs/protocol.md).
//
// Signaling goes through client.js (one WebSocket to the hub per page, reconnecting when it drops);
// one RTCPeerConnection per remote peer. The newcomer offers to every peer listed in `welcome`
// (also after a reconnect: the others were told we left and came back); existing peers answer. Renegotiation (camera) uses the "perfect
// negotiation" pattern: whoever adds tracks sends the new offer, and an offer collision is settled
// by a fixed role per pair (the peer with the smaller id is the polite one and yields).
//
// URL parameters: ?room=NAME  ?id=PEER_ID  ?autojoin=1  ?ice=JSON (iceServers array or a full
// RTCConfiguration object; default {"iceServers": []}, so only host candidates are used). The TURN
// servers the hub hands out in `welcome` (when it has TURN configured) are added to these.

import { SignalingClient } from './client.js';

const ID_RE = /^[A-Za-z0-9_-]{1,64}$/;
const LOG_LIMIT = 500;

const $ = (id) => document.getElementById(id);
const ui = {
  form: $('join-form'),
  room: $('room'),
  peerId: $('peer-id'),
  join: $('join'),
  leave: $('leave'),
  camera: $('camera'),
  wsState: $('ws-state'),
  myId: $('my-id'),
  dcState: $('dc-state'),
  roomLink: $('room-link'),
  errors: $('errors'),
  peers: $('peers'),
  noPeers: $('no-peers'),
  mediaCard: $('media-card'),
  videos: $('videos'),
  localVideo: $('local-video'),
  chatLog: $('chat-log'),
  chatForm: $('chat-form'),
  chatInput: $('chat-input'),
  log: $('log'),
};

const params = new URLSearchParams(location.search);
const rtcConfig = readIceConfig(params.get('ice'));
const t0 = performance.now();

/** Current session (null when not connected). */
let session = null;
/** Local camera/microphone stream, once started. */
let localStream = null;

// ---------------------------------------------------------------------------------------------
// Small UI helpers

function setState(el, state) {
  el.textContent = state;
  el.dataset.state = state;
}

function log(kind, text) {
  const li = document.createElement('li');
  li.className = kind;
  const t = document.createElement('span');
  t.className = 't';
  t.textContent = `${((performance.now() - t0) / 1000).toFixed(3).padStart(8)} `;
  li.append(t);
  if (kind === 'in' || kind === 'out') {
    const dir = document.createElement('span');
    dir.className = 'dir';
    dir.textContent = kind === 'out' ? '→ ' : '← ';
    li.append(dir);
  }
  li.append(text);
  const atBottom = ui.log.scrollHeight - ui.log.scrollTop - ui.log.clientHeight < 30;
  ui.log.append(li);
  while (ui.log.childElementCount > LOG_LIMIT) ui.log.firstElementChild.remove();
  if (atBottom) ui.log.scrollTop = ui.log.scrollHeight;
}

/** One line describing a frame for the log; never includes SDP or candidate text, only lengths. */
function describeFrame(f) {
  const parts = [f.type];
  if (f.from) parts.push(`from=${f.from}`);
  if (f.to) parts.push(`to=${f.to}`);
  if (f.room) parts.push(`room=${f.room}`);
  const d = f.data;
  if (d && typeof d === 'object') {
    if (typeof d.sdp === 'string') parts.push(`(sdp ${d.sdp.length} chars)`);
    if (typeof d.candidate === 'string') parts.push(`(candidate ${d.candidate.length} chars)`);
    if (f.type === 'welcome') parts.push(`id=${d.id} peers=[${(d.peers || []).join(', ')}]`);
    if (f.type === 'peer-joined' || f.type === 'peer-left') parts.push(`id=${d.id}${d.reason ? ` reason=${d.reason}` : ''}`);
    if (f.type === 'error') parts.push(`${d.code}: ${d.message}${d.type ? ` (refused ${d.type})` : ''}`);
  }
  return parts.join(' ');
}

function showError(code, message) {
  const p = document.createElement('p');
  const c = document.createElement('code');
  c.textContent = code;
  p.append(c, ` ${message}`);
  ui.errors.append(p);
  while (ui.errors.childElementCount > 5) ui.errors.firstElementChild.remove();
  ui.errors.hidden = false;
}

function clearErrors() {
  ui.errors.replaceChildren();
  ui.errors.hidden = true;
}

function chatLine(text, cls) {
  const li = document.createElement('li');
  if (cls) li.className = cls;
  li.textContent = text;
  ui.chatLog.append(li);
  ui.chatLog.scrollTop = ui.chatLog.scrollHeight;
}

function randomRoom() {
  const bytes = crypto.getRandomValues(new Uint8Array(4));
  return 'room-' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function readIceConfig(raw) {
  const fallback = { iceServers: [] };
  if (!raw) return fallback;
  try {
    const v = JSON.parse(raw);
    if (Array.isArray(v)) return { iceServers: v };
    if (v && typeof v === 'object') return { iceServers: [], ...v };
  } catch (e) {
    // reported below, once the page is ready
  }
  queueMicrotask(() => showError('bad-ice-param', 'the ?ice= parameter is not a JSON array or object; using no ICE servers'));
  return fallback;
}

function updateRoomLink() {
  const room = ui.room.value.trim();
  const url = new URL(location.href);
  url.search = '';
  if (room) url.searchParams.set('room', room);
  if (params.get('ice')) url.searchParams.set('ice', params.get('ice'));
  history.replaceState(null, '', url);
  url.searchParams.set('autojoin', '1');
  ui.roomLink.href = url.toString();
}

// ---------------------------------------------------------------------------------------------
// Signaling

function join() {
  if (session) return;
  clearErrors();
  const room = ui.room.value.trim();
  const id = ui.peerId.value.trim();
  if (!ID_RE.test(room)) {
    showError('invalid-id', 'room names are 1 to 64 characters from A-Z a-z 0-9 _ -');
    return;
  }
  if (id && !ID_RE.test(id)) {
    showError('invalid-id', 'peer ids are 1 to 64 characters from A-Z a-z 0-9 _ -');
    return;
  }
  updateRoomLink();

  const client = new SignalingClient({ room, id: id || undefined });
  const s = { client, room, myId: null, peers: new Map(), rtcConfig };
  session = s;
  setControls();
  log('note', `connecting to ${client.url}, room ${room}${id ? ` as ${id}` : ''}`);

  // Every handler first checks that this session is still the current one.
  const on = (name, fn) => client.on(name, (v) => session === s && fn(v));
  on('message', (f) => log(f.type === 'error' ? 'error' : 'in', describeFrame(f)));
  on('sent', (f) => log('out', describeFrame(f)));
  on('state', (state) => {
    if (state === 'closed') return endSession();
    if (state !== 'joined') setState(ui.wsState, state); // 'joined' is shown once welcome is handled
    if (state === 'reconnecting') {
      s.myId = null;
      setControls();
    }
  });
  on('disconnect', ({ code, reason, reconnecting }) => {
    log('note', `socket closed: code ${code}${reason ? ` (${reason})` : ''}${reconnecting ? ', reconnecting' : ''}`);
    if (!reconnecting && code !== 1000 && code !== 1005) {
      const why = { 1001: 'the hub node is stopping', 1006: 'connection lost', 1008: 'refused by the hub', 1009: 'message too big', 1011: 'internal error on the hub', 4000: 'idle time-out' }[code];
      showError(`close ${code}`, why || reason || 'the signaling connection closed');
    }
  });
  on('welcome', (w) => onWelcome(s, w));
  on('peer-joined', ({ id: peerId }) => {
    if (!peerId || peerId === s.myId) return;
    chatLine(`${peerId} joined`, 'system');
    // The newcomer will send us an offer (the hub told us `peer-left` first if it had been here).
    peerRow(peerId);
    updatePeerRow(s, peerId);
  });
  on('peer-left', ({ id: peerId, reason }) => {
    if (!peerId) return;
    chatLine(`${peerId} left${reason && reason !== 'left' ? ` (${reason})` : ''}`, 'system');
    closePeer(s, peerId);
  });
  for (const type of ['offer', 'answer', 'ice-candidate']) {
    on(type, (f) => {
      if (f.from) enqueue(getPeer(s, f.from, { offerer: false }), () => handleSignal(s, f));
    });
  }
  on('error', ({ code, message, type }) => showError(code || 'error', `${message || 'the hub refused a frame'}${type ? ` (${type})` : ''}`));

  client.connect().catch((e) => log('error', `join failed: ${e.message}`));
}

function onWelcome(s, w) {
  if (w.rejoined) {
    // While we were away the others saw us leave: every connection starts over.
    for (const peerId of [...s.peers.keys()]) closePeer(s, peerId);
    ui.peers.replaceChildren();
    ui.noPeers.hidden = false;
  }
  s.myId = w.id;
  s.room = w.room;
  // The hub's TURN servers (fresh credentials on each welcome) come after the page's own ?ice= ones.
  s.rtcConfig = w.iceServers ? { ...rtcConfig, iceServers: [...(rtcConfig.iceServers || []), ...w.iceServers] } : rtcConfig;
  if (w.iceServers) log('note', `the hub gave ${w.iceServers.length} ICE server(s)`);
  ui.myId.textContent = w.id;
  setState(ui.wsState, 'joined');
  setControls();
  chatLine(`${w.rejoined ? 'rejoined' : 'joined'} room ${w.room} as ${w.id}`, 'system');
  // We are the newcomer: offer to everybody already here.
  for (const peerId of w.peers) getPeer(s, peerId, { offerer: true });
}

/** Sends through the client; logs when it cannot (not joined, e.g. while reconnecting). */
function signal(s, method, to, payload) {
  if (session === s && !s.client[method](to, payload)) log('error', `cannot send to ${to}: not joined (${s.client.state})`);
}

function leave() {
  if (!session) return;
  if (session.client.state === 'joined') setState(ui.wsState, 'leaving');
  session.client.leave(); // the 'closed' state ends the session
}

function endSession() {
  const s = session;
  if (!s) return;
  for (const id of [...s.peers.keys()]) closePeer(s, id);
  ui.peers.replaceChildren();
  ui.noPeers.hidden = false;
  session = null;
  setState(ui.wsState, 'closed');
  ui.myId.textContent = '–';
  updateOverallDcState();
  setControls();
}

// ---------------------------------------------------------------------------------------------
// Peer connections

/** Run signaling steps for one peer strictly one after another. */
function enqueue(peer, step) {
  peer.chain = peer.chain.then(step).catch((e) => log('error', `${peer.id}: ${e && e.message ? e.message : e}`));
}

function getPeer(s, peerId, { offerer }) {
  let peer = s.peers.get(peerId);
  if (peer) return peer;

  const pc = new RTCPeerConnection(s.rtcConfig);
  peer = {
    id: peerId,
    pc,
    dc: null,
    polite: s.myId < peerId,
    makingOffer: false,
    ignoreOffer: false,
    settingRemoteAnswer: false,
    pendingCandidates: [],
    chain: Promise.resolve(),
    remoteStream: null,
  };
  s.peers.set(peerId, peer);
  peerRow(peerId);

  pc.onicecandidate = ({ candidate }) => {
    if (candidate && candidate.candidate) signal(s, 'sendCandidate', peerId, candidate);
  };
  pc.onconnectionstatechange = () => updatePeerRow(s, peerId);
  pc.oniceconnectionstatechange = () => updatePeerRow(s, peerId);
  pc.onnegotiationneeded = async () => {
    try {
      peer.makingOffer = true;
      await pc.setLocalDescription();
      signal(s, 'sendOffer', peerId, pc.localDescription);
    } catch (e) {
      log('error', `${peerId}: creating an offer failed: ${e.message}`);
    } finally {
      peer.makingOffer = false;
    }
  };
  pc.ondatachannel = ({ channel }) => {
    if (channel.label === 'chat') setupChannel(s, peer, channel);
  };
  pc.ontrack = ({ track, streams }) => {
    let stream = streams[0];
    if (!stream) {
      if (!peer.remoteStream) peer.remoteStream = new MediaStream();
      peer.remoteStream.addTrack(track);
      stream = peer.remoteStream;
    }
    const video = remoteVideo(peerId);
    if (video.srcObject !== stream) video.srcObject = stream;
    ui.mediaCard.hidden = false;
  };

  if (localStream) for (const track of localStream.getTracks()) pc.addTrack(track, localStream);
  // The offerer creates the data channel; that alone triggers negotiationneeded -> offer.
  if (offerer) setupChannel(s, peer, pc.createDataChannel('chat'));
  updatePeerRow(s, peerId);
  return peer;
}

async function handleSignal(s, f) {
  const peer = s.peers.get(f.from);
  if (!peer || session !== s) return;
  const pc = peer.pc;
  if (f.type === 'ice-candidate') {
    if (!pc.remoteDescription) {
      peer.pendingCandidates.push(f.data);
      return;
    }
    await addCandidate(peer, f.data);
    return;
  }
  // offer or answer ("perfect negotiation")
  const description = { type: f.data.type || f.type, sdp: f.data.sdp };
  const readyForOffer = !peer.makingOffer && (pc.signalingState === 'stable' || peer.settingRemoteAnswer);
  const collision = description.type === 'offer' && !readyForOffer;
  peer.ignoreOffer = !peer.polite && collision;
  if (peer.ignoreOffer) {
    log('note', `${peer.id}: ignored a colliding offer (we are the impolite side)`);
    return;
  }
  if (description.type === 'answer' && pc.signalingState !== 'have-local-offer') {
    log('note', `${peer.id}: ignored an answer in state ${pc.signalingState}`);
    return;
  }
  peer.settingRemoteAnswer = description.type === 'answer';
  try {
    await pc.setRemoteDescription(description); // rolls back our own offer if we are polite
  } finally {
    peer.settingRemoteAnswer = false;
  }
  const queued = peer.pendingCandidates.splice(0);
  for (const c of queued) await addCandidate(peer, c);
  if (description.type === 'offer') {
    await pc.setLocalDescription();
    signal(s, 'sendAnswer', peer.id, pc.localDescription);
  }
}

async function addCandidate(peer, candidate) {
  try {
    await peer.pc.addIceCandidate(candidate);
  } catch (e) {
    if (!peer.ignoreOffer) log('error', `${peer.id}: addIceCandidate failed: ${e.message}`);
  }
}

function setupChannel(s, peer, dc) {
  peer.dc = dc;
  const refresh = () => {
    updatePeerRow(s, peer.id);
    updateOverallDcState();
  };
  dc.onopen = refresh;
  dc.onclose = refresh;
  dc.onerror = refresh;
  dc.onmessage = (ev) => {
    if (typeof ev.data === 'string') chatLine(`${peer.id}: ${ev.data}`);
  };
  refresh();
}

function closePeer(s, peerId) {
  const peer = s.peers.get(peerId);
  s.peers.delete(peerId);
  if (peer) {
    if (peer.dc) {
      peer.dc.onclose = null;
      peer.dc.close();
    }
    peer.pc.close();
  }
  const row = findRow(peerId);
  if (row) row.remove();
  const fig = ui.videos.querySelector(`figure[data-peer="${CSS.escape(peerId)}"]`);
  if (fig) fig.remove();
  ui.noPeers.hidden = ui.peers.childElementCount > 0;
  updateOverallDcState();
}

// ---------------------------------------------------------------------------------------------
// Peer list, overall state, videos

function findRow(peerId) {
  return ui.peers.querySelector(`li[data-peer="${CSS.escape(peerId)}"]`);
}

function peerRow(peerId) {
  let li = findRow(peerId);
  if (li) return li;
  li = document.createElement('li');
  li.dataset.peer = peerId;
  const name = document.createElement('span');
  name.className = 'peer-name';
  name.textContent = peerId;
  const field = (label, cls) => {
    const wrap = document.createElement('span');
    const l = document.createElement('span');
    l.className = 'label';
    l.textContent = `${label} `;
    const v = document.createElement('span');
    v.className = `state ${cls}`;
    wrap.append(l, v);
    return wrap;
  };
  li.append(name, field('connection', 'pc-state'), field('ice', 'ice-state'), field('data channel', 'peer-dc-state'));
  ui.peers.append(li);
  ui.noPeers.hidden = true;
  return li;
}

function updatePeerRow(s, peerId) {
  const li = findRow(peerId);
  if (!li) return;
  const peer = s.peers.get(peerId);
  setState(li.querySelector('.pc-state'), peer ? peer.pc.connectionState : 'waiting for offer');
  setState(li.querySelector('.ice-state'), peer ? peer.pc.iceConnectionState : '–');
  setState(li.querySelector('.peer-dc-state'), peer && peer.dc ? peer.dc.readyState : 'none');
}

function openChannels() {
  if (!session) return [];
  return [...session.peers.values()].filter((p) => p.dc && p.dc.readyState === 'open');
}

function updateOverallDcState() {
  if (openChannels().length > 0) {
    setState(ui.dcState, 'open');
  } else if (session && [...session.peers.values()].some((p) => p.dc && p.dc.readyState === 'connecting')) {
    setState(ui.dcState, 'connecting');
  } else {
    setState(ui.dcState, 'none');
  }
}

function remoteVideo(peerId) {
  let fig = ui.videos.querySelector(`figure[data-peer="${CSS.escape(peerId)}"]`);
  if (!fig) {
    fig = document.createElement('figure');
    fig.className = 'video';
    fig.dataset.peer = peerId;
    const video = document.createElement('video');
    video.autoplay = true;
    video.playsInline = true;
    const cap = document.createElement('figcaption');
    cap.textContent = peerId;
    fig.append(video, cap);
    ui.videos.append(fig);
  }
  return fig.querySelector('video');
}

function setControls() {
  const active = !!session;
  ui.join.disabled = active;
  ui.room.disabled = active;
  ui.peerId.disabled = active;
  ui.leave.disabled = !active;
  ui.camera.disabled = !(session && session.myId) || !!localStream;
}

// ---------------------------------------------------------------------------------------------
// Chat and camera

function sendChat() {
  const text = ui.chatInput.value.trim();
  if (!text) return;
  const channels = openChannels();
  if (channels.length === 0) {
    chatLine('no open data channel yet: nobody to send to', 'system');
    return;
  }
  for (const p of channels) p.dc.send(text);
  chatLine(`me: ${text}`, 'mine');
  ui.chatInput.value = '';
  ui.chatInput.focus();
}

async function startCamera() {
  if (localStream || !session) return;
  ui.camera.disabled = true;
  try {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      throw new Error('camera access needs a secure context (https or localhost)');
    }
    localStream = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
  } catch (e) {
    showError('camera', e.message || String(e));
    setControls();
    return;
  }
  ui.localVideo.srcObject = localStream;
  ui.mediaCard.hidden = false;
  ui.camera.textContent = 'Camera on';
  log('note', `camera started (${localStream.getTracks().map((t) => t.kind).join(' + ')})`);
  // Adding tracks fires negotiationneeded on every connection: we become the offerer.
  if (session) {
    for (const peer of session.peers.values()) {
      for (const track of localStream.getTracks()) peer.pc.addTrack(track, localStream);
    }
  }
  setControls();
}

function stopCamera() {
  if (!localStream) return;
  for (const t of localStream.getTracks()) t.stop();
  localStream = null;
  ui.localVideo.srcObject = null;
  ui.mediaCard.hidden = true;
  ui.camera.textContent = 'Start camera';
}

// ---------------------------------------------------------------------------------------------
// Wiring

ui.room.value = params.get('room') || randomRoom();
ui.peerId.value = params.get('id') || '';
updateRoomLink();
ui.room.addEventListener('input', () => {
  if (!session) updateRoomLink();
});

ui.form.addEventListener('submit', (ev) => {
  ev.preventDefault();
  join();
});
ui.leave.addEventListener('click', () => {
  leave();
  stopCamera();
});
ui.camera.addEventListener('click', startCamera);
ui.chatForm.addEventListener('submit', (ev) => {
  ev.preventDefault();
  sendChat();
});
window.addEventListener('pagehide', () => {
  if (session) session.client.close();
});

setControls();
updateOverallDcState();
if (params.get('autojoin') === '1') join();
