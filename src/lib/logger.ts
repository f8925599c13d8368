import { pino, type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs to stderr so that stdout stays free for command output (simulate --json). */
export function createLogger(level = 'info'): Logger {
  return pino({ level, base: undefined }, pino.destination(2));
}

export const silentLogger: Logger = pino({ level: 'silent' });
