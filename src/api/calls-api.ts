/**
 * The JSON Call Initiation API for new integrations: `POST /api/v1/calls` with
 * `Authorization: Bearer <HOOKLINE_API_KEY>` (docs/call-initiation.md: "a bearer token in
 * the JSON API"). The body is the InitiateRequest itself (camelCase, `source` left out), so the JSON
 * form offers exactly what the original's forms do (docs/call-initiation.md, whose "Sources" appendix lists the original's pages by § §1, §5)
 * and nothing else.
 *
 * Answers: 200 `{ sessionId, status, reason? }` for a call that was attempted (`status` is the
 * first leg's outcome: connected, busy, no_answer, failed); otherwise `{ error: { code, message } }`
 * with 400 invalid_json / invalid_request (plus `issues`), 401 unauthorized, 403 refused (hookline
 * would not dial), 500 internal.
 */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from 'zod';
import { normaliseDialNumber } from '../config/dial-policy.js';
import { bearerToken } from './auth.js';
import { refusedAsUnavailable, refusedWhileDraining, runInitiation, type InitiationDeps } from './initiate-http.js';
import type { InitiateRequest } from './initiate-types.js';

export const CALLS_API_PATH = '/api/v1/calls';

const phone = z.string().transform((s, ctx) => {
  const n = normaliseDialNumber(s.trim());
  if (n === undefined || n.length < 4) {
    ctx.addIssue({ code: 'custom', message: 'not a phone number' });
    return z.NEVER;
  }
  return n;
});
const blockId = z.number().int().positive();

const common = {
  firstNumber: phone,
  firstCallerId: phone.optional(),
  secondCallerId: phone.optional(),
  // Names as `@name` substitutes them (ivr-webhook.md: letters, digits, `_`).
  userParameters: z.record(z.string().regex(/^[A-Za-z0-9_]+$/, 'letters, digits and _ only'), z.string()).default({}),
  passThrough: z.string().optional(),
  page: z.string().max(255).optional(), // §5.1
  ref: z.string().max(32).optional(), // §5.1
};

const noAnswer = z
  .strictObject({
    email: z.email().optional(),
    sms: phone.optional(),
    url: z.url({ protocol: /^https?$/ }).optional(),
    phone: phone.optional(),
  })
  .default({});

/** Click-to-Find Me List settings (§1.3, §5.3), ranges as the reference gives them. */
const findMe = z.strictObject({
  list: z.array(phone).min(1).max(100),
  screenPrompt: z.string().optional(),
  findmeType: z.union([z.literal(1), z.literal(2)]).optional(),
  loopCount: z.number().int().min(1).max(5).optional(),
  randomize: z.boolean().optional(),
  record: z.boolean().optional(),
  useScreen: z.boolean().optional(),
  dtmfOnly: z.boolean().optional(),
  holdMusic: z.string().optional(),
  holdRepeat: z.union([z.literal(0), z.literal(1), z.literal(2)]).optional(),
  timeoutS: z.number().int().min(10).max(60).optional(),
  whisperPhrase: z.string().optional(),
  nextAction: z.number().int().min(1).max(7).optional(),
  nextActionItem: blockId.optional(),
});

export const callRequestSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('ivr'), ...common, blockId }),
  z.strictObject({ kind: z.literal('call'), ...common, secondNumber: phone }),
  z.strictObject({ kind: z.literal('findme'), ...common, blockId, reverse: z.boolean().default(false), noAnswer }),
  z.strictObject({ kind: z.literal('findme_list'), ...common, findMe, reverse: z.boolean().default(false), noAnswer }),
  z.strictObject({ kind: z.literal('vr'), ...common, blockId }),
  z.strictObject({ kind: z.literal('voicemail'), ...common, blockId }),
]);

export type CallsApiErrorCode = 'unauthorized' | 'invalid_json' | 'invalid_request' | 'refused' | 'internal' | 'unavailable';

export interface CallsApiIssue {
  path: string;
  message: string;
}

export function jsonError(
  c: Context,
  status: ContentfulStatusCode,
  code: CallsApiErrorCode,
  message: string,
  extra: { issues?: CallsApiIssue[]; sessionId?: string } = {},
): Response {
  const { sessionId, ...error } = extra;
  return c.json({ error: { code, message, ...error }, ...(sessionId === undefined ? {} : { sessionId }) }, status);
}

/** The JSON body to a typed request, or the issues that stop it (paths like `findMe.list.1`). */
export function parseCallRequest(body: unknown): { ok: true; request: InitiateRequest } | { ok: false; issues: CallsApiIssue[] } {
  const r = callRequestSchema.safeParse(body);
  if (!r.success) {
    return { ok: false, issues: r.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })) };
  }
  return { ok: true, request: { ...r.data, source: 'json' } };
}

export function callsApiHandler(deps: InitiationDeps) {
  return async (c: Context): Promise<Response> => {
    if (refusedWhileDraining(c, deps)) return jsonError(c, 503, 'unavailable', 'hookline is restarting; try again shortly');
    if (!(await deps.authorize(bearerToken(c.req.header('Authorization'))))) {
      deps.logger.info({ source: 'json' }, 'call initiation refused: unauthorized');
      c.header('WWW-Authenticate', 'Bearer realm="hookline"'); // RFC 6750 §3
      return jsonError(c, 401, 'unauthorized', 'missing or wrong bearer token');
    }
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      return jsonError(c, 400, 'invalid_json', 'the body is not JSON');
    }
    const parsed = parseCallRequest(body);
    if (!parsed.ok) {
      const first = parsed.issues[0];
      const message = first ? `${first.path || 'body'}: ${first.message}` : 'invalid request';
      return jsonError(c, 400, 'invalid_request', message, { issues: parsed.issues });
    }
    const r = await runInitiation(deps, parsed.request);
    if (r === undefined) return jsonError(c, 500, 'internal', 'the call could not be placed');
    if (refusedAsUnavailable(c, r)) return jsonError(c, 503, 'unavailable', r.reason ?? 'hookline takes no new call now; try again shortly');
    if (r.outcome === 'refused') {
      return jsonError(c, 403, 'refused', r.reason ?? 'hookline will not place this call', { sessionId: r.sessionId });
    }
    return c.json({ sessionId: r.sessionId ?? null, status: r.outcome, ...(r.reason === undefined ? {} : { reason: r.reason }) }, 200);
  };
}
