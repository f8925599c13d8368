// Builds the native RTP sender (native/rtp-send) with node-gyp; `npm ci` runs it (the `install` script) and
// `npm run build:native` runs it again. npm hands its own node-gyp to the scripts it runs
// (npm_config_node_gyp), so nothing is downloaded but, where Node's headers are not installed beside it,
// the headers node-gyp fetches, as it does for better-sqlite3.
//
// A machine without a C compiler still installs: the build failing is a warning, and the server then sends
// RTP with dgram (more CPU per call, the same audio) and says so at start. Under CI the tests of
// src/rtp/native-send.test.ts fail instead, so a broken build is not missed.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const dir = path.resolve(import.meta.dirname, '../native/rtp-send');
function nodeGyp() {
  const fromNpm = process.env.npm_config_node_gyp;
  if (fromNpm && existsSync(fromNpm)) return fromNpm;
  // Outside npm: the copy npm itself ships, beside this node.
  const beside = path.resolve(path.dirname(process.execPath), '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js');
  return existsSync(beside) ? beside : undefined;
}

// Node's own headers, where they are installed beside it (Debian's and nodejs.org's builds have them), so
// that node-gyp does not try to download them, also when run outside npm.
const prefix = path.resolve(path.dirname(process.execPath), '..');
const nodedir = !process.env.npm_config_nodedir && existsSync(path.join(prefix, 'include/node/node_api.h')) ? [`--nodedir=${prefix}`] : [];
const gyp = nodeGyp();
const r = gyp ? spawnSync(process.execPath, [gyp, 'rebuild', ...nodedir], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' }) : undefined;
if (r?.status === 0) {
  console.log('hookline: built native/rtp-send');
} else {
  const why = !gyp ? 'node-gyp was not found' : r.error ? r.error.message : (r.stderr || r.stdout).trim().split('\n').filter((l) => /error|not found|ERR!/i.test(l)).slice(0, 5).join('\n  ');
  console.warn(`hookline: the native RTP sender was not built, so RTP will be sent with dgram (more CPU per call, the same audio).\n  ${why}\n  It needs g++, make and python3 (Debian: apt-get install g++ make python3); then run: npm run build:native`);
}
