/**
 * A test kit for the original Administration API: the real hono app over a real SQLite store, a
 * configuration opened from a small flows file (so some blocks are file-managed), a data directory
 * of its own, keys with chosen scopes, and answers parsed back with saxes, which throws on anything
 * that is not well-formed XML. Never wired into the server.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Hono } from 'hono';
import { SaxesParser } from 'saxes';
import { ConfigService } from '../../admin/config-service.js';
import { ApiKeys, type ApiScope } from '../../admin/keys.js';
import { parseFlows } from '../../config/flows.js';
import { FakeClock } from '../../lib/clock.js';
import { silentLogger } from '../../lib/logger.js';
import { encodeWav } from '../../media/wav.js';
import { createSqliteStore } from '../../store/sqlite.js';
import type { Store } from '../../store/types.js';
import { IBP_API_PATH } from '../ibp-api.js';
import { createIbpAdminApi } from './index.js';

export const ENV_KEY = 'ibp-test-env-key-0123456789';
export const T0 = Date.UTC(2026, 11, 6, 18, 0, 0);

/** File-managed blocks: IVR 10, Find Me 4, voicemail box 7, VR 3; number 8005550100 → ivr/10. */
export const FLOWS = `
timezone: America/Chicago
numbers:
  "8005550100": { to: ivr/10, label: Main line }
ivrs:
  - id: 10
    name: Survey
    questions:
      - { type: keypad, prompt: "Enter your account number." }
      - { type: recorded, prompt: "Tell us more." }
findmes:
  - { id: 4, name: Office, phone_list: ["3125550101"] }
voicemails:
  - { id: 7, name: Front desk, greeting: "Leave a message." }
vrs:
  - { id: 3, prompt: "Press 1 for the survey.", options: { "1": ivr/10 } }
`;

export interface XmlTree {
  name: string;
  text: string;
  children: XmlTree[];
}

/** Parses strictly: saxes throws on anything not well-formed. */
export function parseStrict(xml: string): XmlTree {
  const parser = new SaxesParser({ xmlns: false });
  const stack: XmlTree[] = [];
  let root: XmlTree | undefined;
  parser.on('opentag', (tag) => {
    const el: XmlTree = { name: tag.name, text: '', children: [] };
    const parent = stack.at(-1);
    if (parent) parent.children.push(el);
    else root = el;
    stack.push(el);
  });
  parser.on('closetag', () => void stack.pop());
  parser.on('text', (t) => {
    const top = stack.at(-1);
    if (top) top.text += t;
  });
  parser.write(xml).close();
  if (!root) throw new Error('no root element');
  return root;
}

/** The first element at a `/`-separated path of child names below `tree`. */
export function at(tree: XmlTree, pathText: string): XmlTree | undefined {
  let node: XmlTree | undefined = tree;
  for (const name of pathText.split('/')) node = node?.children.find((c) => c.name === name);
  return node;
}

/** Each child of the element at `pathText`, as { child name: its text }. */
export function rows(tree: XmlTree, pathText: string): Array<Record<string, string>> {
  return (at(tree, pathText)?.children ?? []).map((item) => Object.fromEntries(item.children.map((c) => [c.name, c.text])));
}

export interface IbpReply {
  status: number;
  contentType: string;
  headers: Headers;
  bytes: Uint8Array;
  text: string;
  /** Set for XML answers (parsed strictly). */
  xml?: XmlTree;
  result?: string;
  description?: string;
  /** Text of the element at a path below the root. */
  get(pathText: string): string | undefined;
}

export interface IbpKit {
  app: Hono;
  store: Store;
  config: ConfigService;
  clock: FakeClock;
  dataDir: string;
  keys: ApiKeys;
  keyWith(scopes: ApiScope[]): Promise<string>;
  /** Sends the action with the fields (by GET, or a form POST); the env key unless `key` says otherwise. */
  call(action: string | undefined, fields?: Record<string, string>, o?: { key?: string | null; method?: 'GET' | 'POST' }): Promise<IbpReply>;
  /** Writes a recording's file and row, as the flow would. */
  addRecording(rec: Parameters<Store['recordings']['add']>[0], audio?: Uint8Array): Promise<number>;
  close(): Promise<void>;
}

export const SID_A = 'a'.repeat(32);
export const SID_B = 'b'.repeat(32);
export const tone = (rate = 8000, ms = 500): Uint8Array => encodeWav(Int16Array.from({ length: (rate * ms) / 1000 }, (_, i) => Math.round(6000 * Math.sin(i / 3))), rate);

async function reply(res: Response): Promise<IbpReply> {
  const bytes = new Uint8Array(await res.arrayBuffer());
  const contentType = res.headers.get('content-type') ?? '';
  const text = Buffer.from(bytes).toString('utf8');
  const xml = contentType.startsWith('text/xml') ? parseStrict(text) : undefined;
  return {
    status: res.status,
    contentType,
    headers: res.headers,
    bytes,
    text,
    xml,
    result: xml && at(xml, 'result')?.text,
    description: xml && at(xml, 'result_description')?.text,
    get: (p) => (xml ? at(xml, p)?.text : undefined),
  };
}

export async function ibpKit(o: { flows?: string; uploads?: Parameters<typeof createIbpAdminApi>[0]['uploads'] } = {}): Promise<IbpKit> {
  const clock = new FakeClock(T0);
  const store = await createSqliteStore(':memory:', { clock });
  const dataDir = await mkdtemp(path.join(tmpdir(), 'hookline-ibp-'));
  const config = await ConfigService.open({ file: parseFlows(o.flows ?? FLOWS, 'flows.yaml'), repo: store.config, logger: silentLogger });
  const keys = new ApiKeys(store.apiKeys, ENV_KEY, clock);
  const app = createIbpAdminApi({ keys, config, store, dataDir, logger: silentLogger, clock, uploads: o.uploads ?? { networks: 'all', timeoutMs: 2000 } });
  return {
    app,
    store,
    config,
    clock,
    dataDir,
    keys,
    keyWith: async (scopes) => (await keys.create(`test ${scopes.join('+')}`, scopes)).key,
    call: async (action, fields = {}, opts = {}) => {
      const all: Record<string, string> = { ...(action === undefined ? {} : { action }), ...fields };
      if (opts.key !== null) all['api_key'] = opts.key ?? ENV_KEY;
      const form = new URLSearchParams(all).toString();
      const res = opts.method === 'POST'
        ? await app.request(IBP_API_PATH, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: form })
        : await app.request(`${IBP_API_PATH}?${form}`);
      return reply(res);
    },
    addRecording: async (rec, audio = tone()) => {
      if (!(await store.calls.get(rec.sessionId))) {
        await store.calls.create({ sessionId: rec.sessionId, direction: 'inbound', from: rec.callerId, to: '8005550100', startedAt: rec.createdAt, passThrough: '', monitoredSeconds: 0 });
      }
      await mkdir(path.dirname(path.join(dataDir, rec.path)), { recursive: true });
      await writeFile(path.join(dataDir, rec.path), audio);
      return store.recordings.add(rec);
    },
    close: async () => {
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
