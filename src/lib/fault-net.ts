import { AsyncLocalStorage } from 'node:async_hooks';
import type { EventEmitter } from 'node:events';
import type { Logger } from './logger.js';

/**
 * The last-resort net under every call: a fault nobody caught (an `unhandledRejection`, an
 * `uncaughtException`) ends the call it happened in, never the process. The calls layer runs each
 * call's work inside `runInCallScope`; Node carries that scope (AsyncLocalStorage) through promises,
 * timers and sockets made within it, and into both process events, so the handler knows whose fault it
 * was. The code paths known to fail are handled where they fail; this net is for the ones not known.
 *
 * Why continuing after `uncaughtException` is acceptable here, though Node's docs advise against it in
 * general: JavaScript is single-threaded and an exception unwinds only the one callback that threw, so no
 * lock is held and no native resource is half-written; what may be left inconsistent is the state that
 * callback was changing. When the callback ran for a call, that state is the call's, and the call is
 * ended (its media closed, a BYE or final response sent). The shared tables the SIP core keeps are each
 * updated in one step before any user code runs, and their code paths return errors instead of throwing.
 * A fault outside any call cannot be pinned on anything: it is logged and the server goes on, since a
 * server that takes every caller down for one peer's packet is the failure this net exists to prevent;
 * but a burst of them means something shared is broken, and then the process exits (with status 70) so
 * that the supervisor starts a fresh one rather than let it limp on.
 */

export interface CallScope {
  readonly sessionId: string;
  /** Ends the call: hangs up (or answers a final response if not yet answered) and frees its media. */
  end(): unknown;
}

const scopes = new AsyncLocalStorage<CallScope>();

/** Runs `fn` (and everything asynchronous it starts) as work of this call. */
export function runInCallScope<T>(scope: CallScope, fn: () => T): T {
  return scopes.run(scope, fn);
}

/** The call whose work is running now, if any. */
export function currentCallScope(): CallScope | undefined {
  return scopes.getStore();
}

export interface ProcessNetOptions {
  logger: Logger;
  /** Default: `process`. Tests pass an emitter of their own. */
  target?: EventEmitter;
  /** Faults outside any call tolerated within `burstWindowMs` before the process exits (default 20 per minute). */
  burstLimit?: number;
  burstWindowMs?: number;
  now?: () => number;
  exit?: (code: number) => void;
}

/** Installs the handlers; returns a function that removes them. */
export function installProcessNet(o: ProcessNetOptions): () => void {
  const target = o.target ?? process;
  const limit = o.burstLimit ?? 20;
  const windowMs = o.burstWindowMs ?? 60_000;
  const now = o.now ?? Date.now;
  const exit = o.exit ?? ((code: number) => process.exit(code));
  const ended = new WeakSet<CallScope>();
  let unscoped: number[] = [];

  const handle = (kind: 'unhandledRejection' | 'uncaughtException', err: unknown): void => {
    const scope = scopes.getStore();
    if (scope) {
      o.logger.error({ err, sessionId: scope.sessionId, fault: kind }, `${kind} in a call: ending that call; the server goes on`);
      if (ended.has(scope)) return;
      ended.add(scope);
      try {
        Promise.resolve(scope.end()).catch((endErr: unknown) =>
          o.logger.error({ err: endErr, sessionId: scope.sessionId }, 'the call at fault could not be ended cleanly'),
        );
      } catch (endErr) {
        o.logger.error({ err: endErr, sessionId: scope.sessionId }, 'the call at fault could not be ended cleanly');
      }
      return;
    }
    const t = now();
    unscoped = unscoped.filter((at) => t - at < windowMs);
    unscoped.push(t);
    if (unscoped.length > limit) {
      o.logger.fatal({ err, fault: kind }, `${unscoped.length} faults outside any call within ${windowMs} ms: exiting so that a fresh process takes over`);
      exit(70);
      return;
    }
    o.logger.error({ err, fault: kind }, `${kind} outside any call; the server goes on`);
  };
  const onRejection = (reason: unknown): void => handle('unhandledRejection', reason);
  const onException = (err: unknown): void => handle('uncaughtException', err);
  target.on('unhandledRejection', onRejection);
  target.on('uncaughtException', onException);
  return () => {
    target.off('unhandledRejection', onRejection);
    target.off('uncaughtException', onException);
  };
}
