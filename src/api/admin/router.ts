/**
 * One definition per operation of the Administration API gives both its behaviour and its
 * documentation: the router checks the scope, reads and validates path parameters, query and body
 * with the operation's zod schemas, and the same schemas become the OpenAPI 3.1 document
 * (openapi.ts). A schema that validates is therefore always the schema that is documented.
 */
import type { Context } from 'hono';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { z } from 'zod';
import { AdminError } from '../../admin/errors.js';
import type { ApiScope, Principal } from '../../admin/keys.js';
import { describeIssue } from '../../config/issues.js';
import { issuesFromZod } from '../../admin/issues.js';
import type { Logger } from '../../lib/logger.js';
import { problem, problemFromError } from './problem.js';
import { StoreError } from '../../store/errors.js';

export interface AdminEnv {
  Variables: { principal: Principal };
}
export type AdminContext = Context<AdminEnv>;

export type Method = 'get' | 'post' | 'put' | 'delete';

export interface ResponseSpec {
  description: string;
  /** JSON body schema; omit for an empty body or a non-JSON one (give `contentType`). */
  schema?: z.ZodType;
  contentType?: string;
  /** Response headers worth documenting (ETag, Location...), name -> description. */
  headers?: Record<string, string>;
}

export interface BodySpec<B> {
  schema: z.ZodType<B>;
  /** false: the handler validates (configuration bodies go through the flows loader's own checks). */
  validate?: boolean;
  description?: string;
}

/** A body that is not JSON (audio uploads): documented by content type, read by the handler. */
export interface RawBodySpec {
  raw: { contentTypes: string[]; description: string };
}

export interface Operation<P, Q, B> {
  id: string;
  method: Method;
  /** OpenAPI style: `/ivrs/{id}`. */
  path: string;
  tag: string;
  summary: string;
  description?: string;
  scope: ApiScope;
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: BodySpec<B> | RawBodySpec;
  /** Default 1 MiB; uploads raise it. */
  maxBodyBytes?: number;
  /** What the 413 for a body over maxBodyBytes says, when the limit in bytes would not be the clearest words. */
  tooLargeDetail?: string;
  /** Sends If-Match (412 documented). */
  conditional?: boolean;
  responses: Record<number, ResponseSpec>;
  handle(c: AdminContext, input: { params: P; query: Q; body: B; principal: Principal }): Promise<Response> | Response;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyOperation = Operation<any, any, any>;

export type Authenticator = (c: Context) => Promise<Principal | undefined>;

const MIB = 1024 * 1024;
const DEFAULT_MAX_BODY = MIB;

/** Parses with the flows loader's messages; throws AdminError(code) with every issue. */
export function parseOrThrow<T>(schema: z.ZodType<T>, data: unknown, code: 'bad_request' | 'invalid', what: string): T {
  const r = schema.safeParse(data, { error: describeIssue });
  if (r.success) return r.data;
  const issues = issuesFromZod(r.error, data);
  const first = issues[0];
  throw new AdminError(code, first ? `${what}: ${first.path ? `${first.path}: ` : ''}${first.message}` : `${what} is not valid`, { issues });
}

function honoPath(path: string): string {
  return path.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, ':$1');
}

async function readJson(c: Context): Promise<unknown> {
  const type = c.req.header('Content-Type') ?? '';
  if (!/^application\/(.+\+)?json\b/i.test(type)) throw new AdminError('unsupported_media', `send the body as application/json (got ${type || 'no Content-Type'})`);
  const text = await c.req.text();
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new AdminError('bad_request', `the body is not valid JSON: ${(err as Error).message}`);
  }
}

export class AdminRouter {
  readonly app = new Hono<AdminEnv>();
  readonly operations: AnyOperation[] = [];

  constructor(
    private readonly authenticate: Authenticator,
    private readonly logger: Logger,
  ) {}

  add<P, Q, B>(op: Operation<P, Q, B>): void {
    this.operations.push(op as AnyOperation);
    const max = op.maxBodyBytes ?? DEFAULT_MAX_BODY;
    const limit = bodyLimit({
      maxSize: max,
      onError: (c) => problem(c, 'too_large', op.tooLargeDetail ?? `the body is larger than ${max % MIB === 0 ? `${max / MIB} MiB` : `${max} bytes`}, the most this operation takes`),
    });
    this.app.on(op.method.toUpperCase(), honoPath(op.path), limit, async (c) => {
      try {
        const principal = await this.authenticate(c);
        if (!principal) throw new AdminError('unauthorized', 'send Authorization: Bearer <API key>, or log in to the console');
        if (!principal.scopes.has(op.scope)) throw new AdminError('forbidden', `this needs the ${op.scope} scope; the key has ${[...principal.scopes].join(', ') || 'none'}`);
        c.set('principal', principal);
        const params = (op.params ? parseOrThrow(op.params, c.req.param(), 'bad_request', 'path') : {}) as P;
        const query = (op.query ? parseOrThrow(op.query, c.req.query(), 'bad_request', 'query') : {}) as Q;
        let body = undefined as B;
        if (op.body && 'schema' in op.body) {
          const json = await readJson(c);
          body = op.body.validate === false ? (json as B) : parseOrThrow(op.body.schema, json, 'invalid', 'body');
        }
        return await op.handle(c, { params, query, body, principal });
      } catch (err) {
        if (err instanceof AdminError) return problemFromError(c, err);
        if (err instanceof StoreError && err.code === 'busy') return problem(c, 'unavailable', 'the database is busy; try again');
        this.logger.error({ err, operation: op.id }, 'admin API: unexpected error');
        return problem(c, 'internal', 'the server failed to handle this request; the log has the details');
      }
    });
  }
}
