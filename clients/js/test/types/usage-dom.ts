// Compiled by types.test.js with the DOM lib: the browser's own types fit the declarations.
import { SignalingClient } from 'signalhub-client';

declare const pc: RTCPeerConnection;
const client = new SignalingClient({ room: 'alpha123', WebSocket });
client.on('welcome', ({ iceServers }) => { pc.setConfiguration({ iceServers }); });
client.on('offer', async ({ from, data }) => {
  await pc.setRemoteDescription(data);
  await pc.setLocalDescription();
  if (pc.localDescription) client.sendAnswer(from ?? null, pc.localDescription);
});
client.on('ice-candidate', ({ data }) => pc.addIceCandidate(data));
pc.onicecandidate = ({ candidate }) => client.sendCandidate('peerB', candidate);
const init: RTCSessionDescriptionInit = { type: 'offer', sdp: 'v=0' };
client.sendOffer('peerB', init);
client.sendCandidate('peerB', new RTCIceCandidate({ candidate: '', sdpMid: '0' }));
