/**
 * The original platform's Administration API: `GET|POST /ibp_api.php` with `api_key` and
 * `action=<group>.<method>`, answered in XML (docs/ibp-api.md). Mounted after the Call Initiation
 * app, which answers `action=clickto.*` itself and, with `passOtherIbpActions`, hands every other
 * action on to this one.
 *
 * Every request gets an answer with HTTP 200 and `<result>`, as the original's clients expect:
 * a missing or unknown action, a group hookline does not offer, a missing or wrong key, a key without
 * the scope, a bad parameter and even an unexpected error each give `<result>failed</result>` with a
 * `<result_description>` that says which and why. Recordings come back as audio/wav, CSV reports as
 * text/csv.
 */
import type { LookupFunction } from 'node:net';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { AudioFiles } from '../../admin/audio.js';
import { AudioUploads } from '../../admin/audio-upload.js';
import type { ConfigService } from '../../admin/config-service.js';
import { AdminError } from '../../admin/errors.js';
import type { ApiKeys } from '../../admin/keys.js';
import { RecordingFiles } from '../../admin/recording-files.js';
import { RegisteredNumbers } from '../../admin/registered-numbers.js';
import { systemClock, type Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/logger.js';
import type { Store } from '../../store/types.js';
import type { NetworkPolicy } from '../../webhook/policy.js';
import { IBP_API_PATH } from '../ibp-api.js';
import { MAX_REQUEST_BYTES } from '../initiate-api.js';
import { readFields } from '../initiate-http.js';
import { IbpRequest, type IbpAction, type IbpAnswer, type IbpServices } from './context.js';
import { findmeActions } from './findme.js';
import { generalActions, notOfferedGroup } from './general.js';
import { Params } from './params.js';
import { recordingActions } from './recording.js';
import { registeredActions } from './registered.js';
import { reportActions } from './report.js';
import { routingActions } from './routing.js';
import { survoActions } from './survo.js';
import { vmailActions } from './vmail.js';
import { failedXml, successXml } from './xml.js';

export interface IbpAdminOptions {
  keys: ApiKeys;
  config: ConfigService;
  store: Store;
  dataDir: string;
  logger: Logger;
  clock?: Clock;
  /** `recording.upload` fetches under the webhook client's outbound-request policy (HOOKLINE_WEBHOOK_NETWORKS). */
  uploads: { networks: NetworkPolicy; maxBytes?: number; timeoutMs?: number; lookup?: LookupFunction };
  /** The audio library's uploads (converts any format it knows); one over the data dir by default. */
  audio?: AudioFiles;
}

export const IBP_ACTIONS: Readonly<Record<string, IbpAction>> = {
  ...generalActions,
  ...findmeActions,
  ...vmailActions,
  ...survoActions,
  ...recordingActions,
  ...registeredActions,
  ...routingActions,
  ...reportActions,
};

const OFFERED_GROUPS = [...new Set(Object.keys(IBP_ACTIONS).filter((a) => a.includes('.')).map((a) => a.split('.')[0]!))];

function lookup(action: string): IbpAction | undefined {
  return Object.hasOwn(IBP_ACTIONS, action) ? IBP_ACTIONS[action] : undefined;
}

/** Why an action that names no operation has none, in the words of the answer. */
function unknownAction(action: string): string {
  const group = action.includes('.') ? action.slice(0, action.indexOf('.')) : action;
  const notOffered = notOfferedGroup(group);
  if (notOffered) return notOffered;
  if (group === 'clickto') return `Unknown Action: ${action}: the clickto actions are answered by the Call Initiation API, which is not enabled on this server`;
  if (OFFERED_GROUPS.includes(group)) {
    const methods = Object.keys(IBP_ACTIONS).filter((a) => a.startsWith(`${group}.`));
    return `Unknown Action: ${action}: the ${group} group offers ${methods.join(', ')}`;
  }
  return `Unknown Action: ${action}`;
}

/** The `<result_description>` of a refusal: the parameter under the name the caller sent, and why. */
export function describe(e: AdminError, fields: Readonly<Record<string, string>> = {}): string {
  // Only these codes' issues are about the request; a conflict's name the items it collides with.
  const issue = e.code === 'bad_request' || e.code === 'invalid' ? e.issues.find((i) => i.path !== '') : undefined;
  if (issue) {
    const field = issue.path.split(/[.[]/)[0] ?? issue.path;
    const param = Object.hasOwn(fields, field) ? fields[field] : field;
    if (e.code === 'bad_request' && issue.message === 'required') return `Missing Required Parameter: ${param}`;
    return `${e.code === 'bad_request' ? 'Missing Required Parameter' : 'Invalid Parameter'}: ${param} (${issue.message})`;
  }
  switch (e.code) {
    case 'not_found':
      return `Not Found: ${e.message}`;
    case 'file_managed':
      return `Not Allowed: ${e.message}`;
    case 'conflict':
    case 'precondition_failed':
      return `Conflict: ${e.message}`;
    case 'bad_request':
    case 'unavailable':
      // Whole sentences already (not offered, nothing to change).
      return e.message;
    default:
      return `Failed: ${e.message}`;
  }
}

function xmlResponse(c: Context, body: string): Response {
  // HTTP 200 whatever the result: the result element is the status (see ibp-api.ts).
  return c.body(body, 200, { 'Content-Type': 'text/xml; charset=utf-8' });
}

function answerResponse(c: Context, answer: IbpAnswer, notes: readonly string[]): Response {
  if ('xml' in answer) {
    const tail = notes.length > 0 ? [['notes', notes.map((n) => ['note', n] as const)] as const] : [];
    return xmlResponse(c, successXml([...answer.xml, ...tail]));
  }
  const headers: Record<string, string> = { 'Content-Type': answer.contentType };
  if (answer.filename) headers['Content-Disposition'] = `attachment; filename="${answer.filename}"`;
  // A file has no room for notes; a header carries them (one line, as headers must be).
  if (notes.length > 0) headers['X-Hookline-Notes'] = notes.join(' | ').replace(/[^\x20-\x7e]/g, '?');
  return c.body(typeof answer.body === 'string' ? answer.body : new Uint8Array(answer.body), 200, headers);
}

/** The hono app to mount at the server's root after the Call Initiation app. */
export function createIbpAdminApi(o: IbpAdminOptions): Hono {
  const clock = o.clock ?? systemClock;
  const services: IbpServices = {
    config: o.config,
    store: o.store,
    recordings: new RecordingFiles(o.dataDir, o.store.reports, o.logger),
    uploads: new AudioUploads({ dataDir: o.dataDir, clock, files: o.audio ?? new AudioFiles({ dataDir: o.dataDir }), ...o.uploads }),
    registered: new RegisteredNumbers(o.store.registeredNumbers),
    clock,
    logger: o.logger,
  };
  const app = new Hono();
  const limit = bodyLimit({ maxSize: MAX_REQUEST_BYTES, onError: (c) => xmlResponse(c, failedXml('Failed: the request is too large')) });

  app.on(['GET', 'POST'], IBP_API_PATH, limit, async (c) => {
    const fields = await readFields(c, o.logger);
    const action = fields.get('action')?.trim().toLowerCase() ?? '';
    const fail = (description: string): Response => xmlResponse(c, failedXml(description));
    if (action === '') return fail('Missing Required Parameter: action');
    const principal = await o.keys.authenticate(fields.get('api_key')?.trim()).catch((err: unknown) => {
      o.logger.error({ err }, 'ibp_api: key check failed');
      return undefined;
    });
    if (!principal) return fail('Unauthorized: missing or wrong api_key');
    const op = lookup(action);
    if (!op) return fail(unknownAction(action));
    if (!principal.scopes.has(op.scope)) return fail(`Forbidden: this api_key lacks the ${op.scope} scope that ${action} needs`);

    const req = new IbpRequest(action, new Params(fields), principal);
    try {
      const answer = await op.run(req, services);
      o.logger.info({ source: 'ibp_api', action, actor: principal.name }, 'administration action');
      return answerResponse(c, answer, req.notes);
    } catch (err) {
      if (err instanceof AdminError) {
        o.logger.info({ source: 'ibp_api', action, actor: principal.name, code: err.code }, 'administration action refused');
        return fail(describe(err, op.fields));
      }
      o.logger.error({ err, source: 'ibp_api', action }, 'administration action failed');
      return fail('Failed: the server could not carry out the action; its log says why');
    }
  });
  return app;
}
