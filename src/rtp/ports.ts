/**
 * The RTP port range as a pool of even ports (RFC 3550 §11: RTP on an even port, RTCP on the next odd one).
 * Ports are handed out round-robin so that a port just released is the last to be reused: late packets of a
 * finished call then do not land in a new one.
 */
import { RtpError } from './errors.js';

export class PortAllocator {
  private readonly first: number;
  private readonly count: number;
  private readonly used = new Set<number>();
  private cursor = 0;

  /** `min`-`max` inclusive, e.g. 20000-20999 gives 500 RTP/RTCP pairs (20000/20001 … 20998/20999). */
  constructor(min: number, max: number) {
    if (!Number.isInteger(min) || !Number.isInteger(max) || min < 1 || max > 65535 || max < min) {
      throw new RtpError('invalid_argument', `bad RTP port range ${min}-${max}`);
    }
    this.first = min % 2 === 0 ? min : min + 1;
    this.count = Math.max(0, Math.floor((max - this.first + 1) / 2));
    if (this.count === 0) throw new RtpError('invalid_argument', `RTP port range ${min}-${max} holds no even/odd pair`);
  }

  /** Number of RTP/RTCP pairs in the range. */
  get capacity(): number {
    return this.count;
  }

  get inUse(): number {
    return this.used.size;
  }

  /** Takes the next free even port. Throws RtpError('ports_exhausted') when all are taken. */
  reserve(): number {
    for (let i = 0; i < this.count; i++) {
      const port = this.first + 2 * ((this.cursor + i) % this.count);
      if (!this.used.has(port)) {
        this.used.add(port);
        this.cursor = (this.cursor + i + 1) % this.count;
        return port;
      }
    }
    throw new RtpError('ports_exhausted', `all ${this.count} RTP port pairs are in use`);
  }

  release(port: number): void {
    this.used.delete(port);
  }
}
