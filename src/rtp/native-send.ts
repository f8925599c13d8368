/**
 * The native send path for RTP (native/rtp-send): one synchronous sendto(2) per packet on the socket dgram
 * bound, instead of dgram's send().
 *
 * dgram's send() costs a list, a send request and a lookup callback per packet, 50 packets a second per
 * call; at 1,000 calls that JavaScript and its garbage was about half of the process's CPU in
 * bench/media-thread.ts. The addon is built by `npm ci` (scripts/build-native.mjs); where it could not be
 * built (no compiler), sessions keep dgram's send() and the server says so once at start.
 *
 * The socket's descriptor is not public API: dgram keeps its handle under a symbol, and the handle has
 * `fd` on Unix. `socketFd` finds it without the deprecated `_handle` getter and answers undefined when a
 * Node version keeps it elsewhere (the session then sends with dgram: slower, never wrong).
 */
import type { Socket } from 'node:dgram';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Logger } from '../lib/logger.js';
import type { RtpThreadReport } from '../lib/metrics.js';
import { RtpError } from './errors.js';

/** What RtpSession sends with when it is given a native sender. */
export interface PacketSender {
  /** A destination in the form sendto(2) takes; throws for anything but an IP literal. Built once per destination. */
  sockaddr(address: string, port: number): Buffer;
  /** Sends `packet[0, length)` from the socket `fd` to `to`: 0, or the errno of a failed send. */
  send(fd: number, packet: Uint8Array, length: number, to: Buffer): number;
  /** Hands a session's frames to the addon's thread (native/rtp-send/idle.c, RtpSession.startIdle); the stream's id. */
  idleStart(fd: number, to: Buffer, pt: number, ssrc: number, seq: number, ts: number, marker: boolean, silence: number, loop: Uint8Array | null, loopPos: number, firstDueNs: number): number;
  /** Queues a piece of prompt (copied) on the stream, played before its loop or silence; `token` (above 0) names it to idleDrain. */
  idleQueue(id: number, token: number, piece: Uint8Array): void;
  /** Sends the stream's next packets to `to` (from sockaddr()). */
  idleRetarget(id: number, to: Buffer): void;
  /** Drops the pieces queued on the stream; it goes on with its loop or silence. */
  idleClear(id: number): void;
  /** Takes them back: what the thread got to, and what it sent since idleStart. */
  idleStop(id: number): IdleReport;
  /** The same, while the thread goes on. */
  idlePeek(id: number): IdleReport;
  /** The tokens of the pieces played to their end since the last call, in the order they ended. */
  idleDrain(): number[];
  /**
   * Starts the addon's thread if it is not running yet, asking for the nice value `nice` (-20 to 0; 0: the
   * process's) and for the real-time class while it uses at most `realtimePct` percent of a core (0-95; 0:
   * never): [the nice value it runs at, 1 if it was raised as asked, 1 if it got the real-time class].
   */
  idleThread(nice: number, realtimePct: number): [number, number, number];
  /** The thread now: [1 if in the real-time class, times it stepped down over its share, its CPU seconds]. */
  idleSched(): [number, number, number];
}

/**
 * seq, ts, marker (0/1), packets, octets, errors, loopPos, when the next frame was due (ns, the monotonic
 * clock), and the first piece not played to its end: its token and how many bytes of it were sent (0, 0: none).
 */
export type IdleReport = [number, number, number, number, number, number, number, number, number, number];

/** From src/rtp or dist/rtp alike: the addon is built in the package's native/rtp-send. */
export const NATIVE_SEND_PATH = path.resolve(import.meta.dirname, '../../native/rtp-send/build/Release/rtp_send.node');

/** Loads the addon; throws RtpError `native_unavailable`, saying why, when it was not built or does not load. */
export function loadNativeSender(file = NATIVE_SEND_PATH): PacketSender {
  try {
    const addon = createRequire(import.meta.url)(file) as Partial<PacketSender>;
    for (const f of ['send', 'sockaddr', 'idleStart', 'idleQueue', 'idleRetarget', 'idleClear', 'idleStop', 'idlePeek', 'idleDrain', 'idleThread', 'idleSched'] as const) if (typeof addon[f] !== 'function') throw new Error(`the module has no ${f}() (rebuild it: npm run build:native)`);
    return addon as PacketSender;
  } catch (err) {
    throw new RtpError('native_unavailable', `the native RTP sender (${file}) cannot be loaded: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

/** The descriptor of a bound dgram socket, or undefined where this Node keeps it out of reach. */
export function socketFd(socket: Socket): number | undefined {
  const state = Object.getOwnPropertySymbols(socket).find((s) => s.description === 'state symbol');
  if (state === undefined) return undefined;
  const fd = (socket as unknown as Record<symbol, { handle?: { fd?: unknown } } | undefined>)[state]?.handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : undefined;
}

export interface SenderChoice {
  /**
   * HOOKLINE_RTP_THREAD_PRIORITY: how many nice steps above the rest of the server the addon's thread runs
   * (0-20; 0: not raised). Raising it needs CAP_SYS_NICE.
   */
  threadPriority?: number;
  /**
   * HOOKLINE_RTP_THREAD_REALTIME: the share of a core, in percent, up to which the thread runs in the
   * real-time class (0-95; 0: never). It needs CAP_SYS_NICE too.
   */
  threadRealtime?: number;
  load?: () => PacketSender;
}

const NEEDS_CAP = 'it needs CAP_SYS_NICE (systemd AmbientCapabilities=CAP_SYS_NICE, docker --cap-add SYS_NICE)';

/**
 * The sender for HOOKLINE_RTP_SEND: `native` loads the addon and starts its thread, and where it cannot says
 * once why RTP goes out with dgram instead (the calls work either way); `dgram` (or no addon) answers
 * undefined. A thread that could not be given the scheduling asked for is logged too: under load its audio
 * then competes with SIP and webhooks for the CPU.
 */
export function chooseRtpSender(choice: 'native' | 'dgram', logger: Pick<Logger, 'warn' | 'info'>, o: SenderChoice = {}): PacketSender | undefined {
  if (choice === 'dgram') return undefined;
  let sender: PacketSender;
  let thread: [number, number, number];
  const priority = o.threadPriority ?? 0;
  const realtimePct = o.threadRealtime ?? 0;
  try {
    sender = (o.load ?? loadNativeSender)();
    thread = sender.idleThread(-priority, realtimePct);
  } catch (err) {
    logger.warn({ reason: err instanceof Error ? err.message : String(err) }, 'RTP is sent with dgram, which costs more CPU per call: run `npm run build:native` (it needs g++, make and python3)');
    return undefined;
  }
  const [nice, raised, realtime] = thread;
  const lacksNice = priority > 0 && raised !== 1;
  const lacksRealtime = realtimePct > 0 && realtime !== 1;
  if (lacksNice || lacksRealtime) {
    const asked = [lacksNice ? `nice ${-priority}` : '', lacksRealtime ? 'the real-time class' : ''].filter(Boolean).join(' and ');
    logger.warn({ asked: -priority, nice, realtime: realtime === 1 }, `the RTP thread runs without ${asked}: ${NEEDS_CAP}; under load, audio then waits behind SIP and webhooks. HOOKLINE_RTP_THREAD_PRIORITY=0 and HOOKLINE_RTP_THREAD_REALTIME=0 ask for neither`);
  } else logger.info({ nice, realtime: realtime === 1, realtimeUpToPct: realtime === 1 ? realtimePct : undefined }, 'RTP is sent by the native addon\'s thread');
  return sender;
}

/** The thread's state for /metrics (hookline_rtp_thread_*). */
export function rtpThreadReport(sender: PacketSender): RtpThreadReport {
  const [realtime, stepdowns, cpuSeconds] = sender.idleSched();
  return { realtime: realtime === 1, stepdowns, cpuSeconds };
}
