import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs to stderr so that stdout stays free for command output (simulate --json).
 * Writes are asynchronous (buffered, flushed on exit): a synchronous write to a slow or full pipe would
 * stall the event loop that paces every call's audio.
 */
export function createLogger(level = 'info'): Logger {
  const dest = pino.destination({ dest: 2, sync: false, minLength: 0 });
  process.once('exit', () => {
    try {
      dest.flushSync();
    } catch {
      // Nothing more can be done with a log line that cannot be written at exit.
    }
  });
  return pino({ level, base: undefined }, dest);
}

export const silentLogger: Logger = pino({ level: 'silent' });
