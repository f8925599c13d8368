/**
 * Test doubles for the Call Initiation API's tests (as src/flow/testing.ts is for flows): a
 * CallInitiator that records what it is asked and answers what the test scripted, and the app
 * built around it. Never wired into the server.
 */
import type { Hono } from 'hono';
import { silentLogger } from '../lib/logger.js';
import { createCallInitiationApi } from './initiate-api.js';
import type { CallInitiator, InitiateRequest, InitiateResult } from './initiate-types.js';

export const TEST_KEY = 'k3y-0f-the-t3st-server';

export class RecordingInitiator implements CallInitiator {
  readonly requests: InitiateRequest[] = [];
  /** What the next calls answer; `throw` makes initiate() reject. */
  next: InitiateResult | 'throw' = { outcome: 'connected', sessionId: '0123456789abcdef0123456789abcdef' };

  async initiate(req: InitiateRequest): Promise<InitiateResult> {
    this.requests.push(req);
    if (this.next === 'throw') throw new Error('trunk exploded');
    return this.next;
  }

  /** The only request made; fails the test when there is not exactly one. */
  only(): InitiateRequest {
    if (this.requests.length !== 1) throw new Error(`expected 1 request, got ${this.requests.length}`);
    return this.requests[0]!;
  }
}

export function testApi(opts: { apiKey?: string | undefined; passOtherIbpActions?: boolean } = {}): { app: Hono; initiator: RecordingInitiator } {
  const initiator = new RecordingInitiator();
  const apiKey = 'apiKey' in opts ? opts.apiKey : TEST_KEY;
  const app = createCallInitiationApi({ apiKey, initiator, logger: silentLogger, passOtherIbpActions: opts.passOtherIbpActions ?? false });
  return { app, initiator };
}

/** A GET with the fields in the query string. */
export function get(app: Hono, path: string, fields: Record<string, string>): Promise<Response> | Response {
  return app.request(`${path}?${new URLSearchParams(fields).toString()}`);
}

/** A POST with the fields as an `application/x-www-form-urlencoded` body. */
export function postForm(app: Hono, path: string, fields: Record<string, string>): Promise<Response> | Response {
  return app.request(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
}

/** A POST with the fields as `multipart/form-data`, as the PHP client's curl sends them. */
export function postMultipart(app: Hono, path: string, fields: Record<string, string>): Promise<Response> | Response {
  const body = new FormData();
  for (const [k, v] of Object.entries(fields)) body.append(k, v);
  return app.request(path, { method: 'POST', body });
}

/** The three ways the original's clients send a request, for running one case over each. */
export const ENCODINGS = [
  ['GET', get],
  ['POST form', postForm],
  ['POST multipart', postMultipart],
] as const;
