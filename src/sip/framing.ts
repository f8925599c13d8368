import { findHeaderEnd } from './parse.js';

/**
 * Cuts a byte stream into SIP messages (RFC 3261 §18.3): the header block ends at the first empty
 * line and the body is exactly Content-Length octets. CRLFs before a start line are skipped (§7.5);
 * a bare CRLFCRLF is an RFC 5626 §3.5.1 keep-alive "ping" that wants a CRLF "pong".
 */
export interface FramerOutput {
  frames: Buffer[];
  pings: number;
  /** The stream can't be framed any further (bad or oversized Content-Length): close the connection. */
  fatal?: string;
}

export interface FramerLimits {
  maxHeaderBytes: number;
  maxBodyBytes: number;
}

/**
 * 16 KiB of headers and 64 KiB of body: what a UDP datagram could carry, and more than any INVITE needs
 * (multipart SDP + ISUP bodies are a few KiB); anything larger over TCP is a peer filling our memory.
 */
export const DEFAULT_FRAMER_LIMITS: FramerLimits = { maxHeaderBytes: 16 * 1024, maxBodyBytes: 64 * 1024 };
const PING = Buffer.from('\r\n\r\n');

export class StreamFramer {
  private buf: Buffer = Buffer.alloc(0);

  constructor(private readonly limits: FramerLimits = DEFAULT_FRAMER_LIMITS) {}

  push(chunk: Buffer): FramerOutput {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: FramerOutput = { frames: [], pings: 0 };
    for (;;) {
      while (this.buf.subarray(0, 4).equals(PING)) {
        out.pings++;
        this.buf = this.buf.subarray(4);
      }
      let skip = 0;
      while (skip < this.buf.length && (this.buf[skip] === 0x0d || this.buf[skip] === 0x0a)) skip++;
      if (skip === this.buf.length) return out; // only line breaks so far: maybe half a ping
      this.buf = this.buf.subarray(skip);
      const end = findHeaderEnd(this.buf);
      if (!end) {
        if (this.buf.length > this.limits.maxHeaderBytes) out.fatal = 'header block too large';
        return out;
      }
      if (end.bodyStart > this.limits.maxHeaderBytes) {
        out.fatal = 'header block too large'; // arrived whole in one chunk: still too large
        this.buf = Buffer.alloc(0);
        return out;
      }
      const length = contentLength(this.buf.toString('utf8', 0, end.headEnd));
      if (typeof length === 'string' || length > this.limits.maxBodyBytes) {
        // Hand the header block on so the parser can still answer it with a 400, then give up.
        out.frames.push(Buffer.from(this.buf.subarray(0, end.bodyStart)));
        out.fatal = typeof length === 'string' ? length : 'body too large';
        this.buf = Buffer.alloc(0);
        return out;
      }
      if (this.buf.length < end.bodyStart + length) return out;
      out.frames.push(Buffer.from(this.buf.subarray(0, end.bodyStart + length)));
      this.buf = this.buf.subarray(end.bodyStart + length);
    }
  }

  /** Bytes held while waiting for the rest of a message. */
  get pending(): number {
    return this.buf.length;
  }
}

/** The Content-Length of a header block (0 when absent, §18.3), or a problem description. */
function contentLength(head: string): number | string {
  const values: string[] = [];
  let current: string | undefined;
  const flush = (): void => {
    if (current !== undefined) {
      const m = /^(content-length|l)[ \t]*:(.*)$/is.exec(current);
      if (m && m[2] !== undefined) values.push(m[2].trim());
    }
  };
  for (const line of head.split(/\r?\n/).slice(1)) {
    if (line.startsWith(' ') || line.startsWith('\t')) current = `${current ?? ''} ${line.trim()}`;
    else {
      flush();
      current = line;
    }
  }
  flush();
  if (values.length === 0) return 0;
  if (values.length > 1) return 'more than one Content-Length header';
  const v = values[0] ?? '';
  return /^\d{1,10}$/.test(v) ? Number(v) : 'malformed Content-Length header';
}
