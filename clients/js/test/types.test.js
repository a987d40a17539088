// The hand-written TypeScript declarations (src/client.d.ts) against the module: tsc checks an application's use
// of them (test/types), with and without the DOM lib; and every public member of the class is declared.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { SignalingClient } from 'signalhub-client';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));

function tsc(project) {
  const bin = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, '-p', here(project)], { timeout: 120_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? (error.code ?? 'killed') : 0, output: `${stdout}${stderr}` }));
  });
}

test('tsc accepts an application using the declarations, without the DOM lib', async () => {
  const { code, output } = await tsc('types/tsconfig.json');
  assert.equal(code, 0, output);
});

test('tsc accepts the browser types (DOM lib) given to the client', async () => {
  const { code, output } = await tsc('types/tsconfig.dom.json');
  assert.equal(code, 0, output);
});

test('every public member of SignalingClient is declared in client.d.ts', async () => {
  const dts = await readFile(here('../src/client.d.ts'), 'utf8');
  const members = Object.getOwnPropertyNames(SignalingClient.prototype).filter((n) => n !== 'constructor');
  const instance = new SignalingClient({ room: 'r', url: 'ws://127.0.0.1:1/ws', WebSocket: class {} });
  members.push(...Object.keys(instance));
  assert.ok(members.length >= 15, members.join());
  for (const name of members) {
    assert.match(dts, new RegExp(`^  (get |readonly )?${name}[(<:]`, 'm'), `${name} is not declared`);
  }
  for (const option of ['room', 'id', 'url', 'urls', 'token', 'reconnect', 'minBackoffMs', 'maxBackoffMs', 'joinTimeoutMs', 'WebSocket']) {
    assert.match(dts, new RegExp(`^  ${option}\\??: `, 'm'), `option ${option} is not declared`);
  }
});
