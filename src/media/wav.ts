/**
 * WAV in and out.
 *
 * Reading accepts what people actually upload — 8/16/24/32-bit integer PCM, 32/64-bit float, μ-law,
 * A-law, WAVE_FORMAT_EXTENSIBLE, mono or stereo, any rate — and produces what a call plays: 8 kHz mono
 * 16-bit. wavefile parses the container (chunks, RIFX, RF64); sample decoding is done here so the
 * encoding is taken from the format tag (wavefile reports extensible float as integer '32') and so
 * G.711 goes through the same tables as the RTP path.
 *
 * Writing is plain 16-bit PCM, mono or 2-channel (call recordings: caller left, callee right). The
 * streaming `WavWriter` appends as the call goes and rewrites the two size fields after every flush, so
 * a crash leaves a valid WAV holding everything up to the last flush (≈ 200 ms); `repairWav` then
 * recovers the rest by recomputing the sizes from the file length.
 */
import { open, readFile, rename, stat, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import wavefile from 'wavefile';
import { HooklineError } from '../lib/errors.js';
import { ALAW_DECODE, ULAW_DECODE } from './g711.js';
import { floatToInt16, resample } from './resample.js';

export const TELEPHONY_RATE = 8000;

export type WavEncoding = 'pcm' | 'float' | 'ulaw' | 'alaw';

export interface DecodedWav {
  sampleRate: number;
  encoding: WavEncoding;
  bitsPerSample: number;
  /** One array per channel, samples scaled to −1..1. */
  channels: Float32Array[];
}

const FORMAT_PCM = 1;
const FORMAT_FLOAT = 3;
const FORMAT_ALAW = 6;
const FORMAT_ULAW = 7;
const FORMAT_EXTENSIBLE = 0xfffe;
/** Sizes at or above this are "unknown" placeholders written by streaming producers (espeak-ng --stdout). */
const STREAMING_SIZE = 0x7fff0000;

interface FmtChunk {
  audioFormat: number;
  numChannels: number;
  sampleRate: number;
  bitsPerSample: number;
  blockAlign: number;
  subformat?: number[];
}

function invalid(message: string, cause?: unknown): HooklineError {
  return new HooklineError('WAV_INVALID', message, { cause });
}

/** Offset of a top-level RIFF chunk's header, or -1. Only little-endian RIFF needs walking (see below). */
function findChunk(bytes: Uint8Array, id: string): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let off = 12;
  while (off + 8 <= bytes.length) {
    const tag = String.fromCharCode(bytes[off]!, bytes[off + 1]!, bytes[off + 2]!, bytes[off + 3]!);
    if (tag === id) return off;
    off += 8 + view.getUint32(off + 4, true) + (view.getUint32(off + 4, true) & 1);
  }
  return -1;
}

/**
 * Streams whose producer could not seek back (a pipe, a crashed recorder) carry 0 or ~4 GiB as the
 * data size. Patch a copy so the data chunk runs to the end of the file, which is what it means.
 */
function patchStreamingSizes(bytes: Uint8Array): Uint8Array {
  if (bytes.length < 12 || String.fromCharCode(...bytes.subarray(0, 4)) !== 'RIFF') return bytes;
  const data = findChunk(bytes, 'data');
  if (data < 0) return bytes;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const declared = view.getUint32(data + 4, true);
  const actual = bytes.length - data - 8;
  if (declared !== 0 && declared < STREAMING_SIZE) return bytes;
  if (declared === actual) return bytes;
  const copy = Uint8Array.from(bytes);
  const cv = new DataView(copy.buffer);
  cv.setUint32(data + 4, actual, true);
  cv.setUint32(4, copy.length - 8, true);
  return copy;
}

/** Parses and decodes a WAV file's bytes into float channels at the file's own rate. */
export function decodeWav(input: Uint8Array): DecodedWav {
  let wav: InstanceType<typeof wavefile.WaveFile>;
  try {
    wav = new wavefile.WaveFile(patchStreamingSizes(input));
  } catch (err) {
    throw invalid(`not a readable WAV file: ${(err as Error).message}`, err);
  }
  const fmt = wav.fmt as FmtChunk;
  const data = wav.data as { samples: Uint8Array; chunkSize: number };
  // wavefile's samples include the RIFF pad byte of an odd-sized chunk; the declared size does not.
  const raw = data.samples.subarray(0, Math.min(data.samples.length, data.chunkSize));
  const tag = fmt.audioFormat === FORMAT_EXTENSIBLE ? (fmt.subformat?.[0] ?? 0) & 0xffff : fmt.audioFormat;
  const bits = fmt.bitsPerSample;
  const nch = fmt.numChannels;
  if (!(nch >= 1 && nch <= 8) || !(fmt.sampleRate > 0)) {
    throw invalid(`WAV header has ${nch} channels at ${fmt.sampleRate} Hz`);
  }
  const bytesPerSample = bits / 8;
  // Container fields can lie (odd padding, zero blockAlign in old files): trust bitsPerSample × channels.
  const frameBytes = bytesPerSample * nch;
  const frames = Math.floor(raw.length / frameBytes);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const le = wav.container !== 'RIFX';

  let encoding: WavEncoding;
  let read: (offset: number) => number;
  if (tag === FORMAT_PCM && bits === 8) {
    encoding = 'pcm'; // 8-bit WAV is unsigned, centred on 128
    read = (o) => (raw[o]! - 128) / 128;
  } else if (tag === FORMAT_PCM && bits === 16) {
    encoding = 'pcm';
    read = (o) => view.getInt16(o, le) / 32768;
  } else if (tag === FORMAT_PCM && bits === 24) {
    encoding = 'pcm';
    read = le
      ? (o) => ((raw[o]! | (raw[o + 1]! << 8) | (raw[o + 2]! << 16)) << 8) / 2147483648
      : (o) => ((raw[o + 2]! | (raw[o + 1]! << 8) | (raw[o]! << 16)) << 8) / 2147483648;
  } else if (tag === FORMAT_PCM && bits === 32) {
    encoding = 'pcm';
    read = (o) => view.getInt32(o, le) / 2147483648;
  } else if (tag === FORMAT_FLOAT && bits === 32) {
    encoding = 'float';
    read = (o) => view.getFloat32(o, le);
  } else if (tag === FORMAT_FLOAT && bits === 64) {
    encoding = 'float';
    read = (o) => view.getFloat64(o, le);
  } else if (tag === FORMAT_ULAW && bits === 8) {
    encoding = 'ulaw';
    read = (o) => ULAW_DECODE[raw[o]!]! / 32768;
  } else if (tag === FORMAT_ALAW && bits === 8) {
    encoding = 'alaw';
    read = (o) => ALAW_DECODE[raw[o]!]! / 32768;
  } else {
    throw new HooklineError(
      'WAV_UNSUPPORTED',
      `unsupported WAV encoding (format tag 0x${tag.toString(16)}, ${bits} bits); ` +
        'convert it to 16-bit PCM, e.g. `sox in.wav -b 16 -e signed-integer out.wav`',
    );
  }

  const channels = Array.from({ length: nch }, () => new Float32Array(frames));
  for (let f = 0, o = 0; f < frames; f++) {
    for (let c = 0; c < nch; c++, o += bytesPerSample) channels[c]![f] = read(o);
  }
  return { sampleRate: fmt.sampleRate, encoding, bitsPerSample: bits, channels };
}

/** Averages channels (not sums: two loud channels must not clip) into one. */
export function mixdown(channels: readonly Float32Array[]): Float32Array {
  if (channels.length === 1) return channels[0]!;
  const n = channels[0]?.length ?? 0;
  const out = new Float32Array(n);
  for (const ch of channels) for (let i = 0; i < n; i++) out[i]! += ch[i]!;
  const g = 1 / channels.length;
  for (let i = 0; i < n; i++) out[i]! *= g;
  return out;
}

/** Any supported WAV → 8 kHz mono 16-bit, the form every prompt is played from. */
export function wavTo8kMono(input: Uint8Array): Int16Array {
  const wav = decodeWav(input);
  const mono = mixdown(wav.channels);
  return floatToInt16(wav.sampleRate === TELEPHONY_RATE ? mono : resample(mono, wav.sampleRate, TELEPHONY_RATE));
}

export async function readWav8kMono(path: string): Promise<Int16Array> {
  return wavTo8kMono(await readFile(path));
}

// --- writing ---------------------------------------------------------------------------------------

const HEADER_BYTES = 44;

function header(channels: number, sampleRate: number, dataBytes: number): Uint8Array {
  const h = new Uint8Array(HEADER_BYTES);
  const v = new DataView(h.buffer);
  h.set([0x52, 0x49, 0x46, 0x46], 0); // RIFF
  v.setUint32(4, 36 + dataBytes, true);
  h.set([0x57, 0x41, 0x56, 0x45, 0x66, 0x6d, 0x74, 0x20], 8); // WAVEfmt␠
  v.setUint32(16, 16, true);
  v.setUint16(20, FORMAT_PCM, true);
  v.setUint16(22, channels, true);
  v.setUint32(24, sampleRate, true);
  v.setUint32(28, sampleRate * channels * 2, true);
  v.setUint16(32, channels * 2, true);
  v.setUint16(34, 16, true);
  h.set([0x64, 0x61, 0x74, 0x61], 36); // data
  v.setUint32(40, dataBytes, true);
  return h;
}

/**
 * Interleaves equal-length channels into little-endian 16-bit frames. A shorter channel is padded with
 * silence: a recorder that lost one side's packet should still keep the two sides aligned.
 */
function interleave(channels: readonly Int16Array[]): Uint8Array {
  const nch = channels.length;
  const frames = Math.max(...channels.map((c) => c.length));
  const out = new Uint8Array(frames * nch * 2);
  const v = new DataView(out.buffer);
  for (let c = 0; c < nch; c++) {
    const ch = channels[c]!;
    for (let i = 0; i < ch.length; i++) v.setInt16((i * nch + c) * 2, ch[i]!, true);
  }
  return out;
}

function checkChannels(channels: readonly Int16Array[]): void {
  if (channels.length !== 1 && channels.length !== 2) {
    throw new RangeError(`WAV writer takes 1 or 2 channels, got ${channels.length}`);
  }
}

/** A complete 16-bit PCM WAV file: one array for mono, [left, right] for stereo. */
export function encodeWav(channels: Int16Array | readonly Int16Array[], sampleRate = TELEPHONY_RATE): Uint8Array {
  const list = channels instanceof Int16Array ? [channels] : channels;
  checkChannels(list);
  const body = interleave(list);
  const out = new Uint8Array(HEADER_BYTES + body.length);
  out.set(header(list.length, sampleRate, body.length));
  out.set(body, HEADER_BYTES);
  return out;
}

/** Writes via a temporary file and rename, so readers never see half a file. */
export async function writeWav(path: string, channels: Int16Array | readonly Int16Array[], sampleRate = TELEPHONY_RATE): Promise<void> {
  await writeFileAtomic(path, encodeWav(channels, sampleRate));
}

export async function writeFileAtomic(path: string, data: Uint8Array): Promise<void> {
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

export interface WavWriterOptions {
  channels?: 1 | 2;
  sampleRate?: number;
  /** Buffered sample frames that trigger a write; 1600 = 200 ms at 8 kHz, the most a crash can lose. */
  flushFrames?: number;
}

/** Largest data chunk a 32-bit RIFF size can describe (≈ 18 h of 8 kHz stereo). */
const MAX_DATA_BYTES = 0xffffffff - 36;

/**
 * Appends 16-bit frames to a WAV file as they happen. `write` is synchronous and cheap (it buffers);
 * file I/O happens on one promise chain so writes stay ordered without blocking the media clock.
 * An I/O error is kept and thrown from the next `write`, `flush` or `close` rather than lost.
 */
export class WavWriter {
  private pending: Int16Array[][] = [];
  private pendingFrames = 0;
  private acceptedFrames = 0;
  private dataBytes = 0;
  private closing: Promise<void> | undefined;
  private chain: Promise<void> = Promise.resolve();
  private error: unknown;
  private closed = false;
  private readonly flushFrames: number;

  private constructor(
    readonly path: string,
    private readonly file: FileHandle,
    readonly channels: 1 | 2,
    readonly sampleRate: number,
    flushFrames: number,
  ) {
    this.flushFrames = flushFrames;
  }

  static async open(path: string, options: WavWriterOptions = {}): Promise<WavWriter> {
    const channels = options.channels ?? 1;
    const sampleRate = options.sampleRate ?? TELEPHONY_RATE;
    const file = await open(path, 'w');
    try {
      await file.write(header(channels, sampleRate, 0), 0, HEADER_BYTES, 0);
    } catch (err) {
      await file.close();
      throw err;
    }
    return new WavWriter(path, file, channels, sampleRate, options.flushFrames ?? 1600);
  }

  /** Sample frames accepted so far (written or still buffered). */
  get frames(): number {
    return this.acceptedFrames;
  }

  /** Appends one block: `write(mono)` or `write(caller, callee)`. */
  write(...channels: Int16Array[]): void {
    if (this.closed) throw new HooklineError('WAV_WRITER_CLOSED', `recording ${this.path} is already closed`);
    if (this.error) throw this.ioError();
    if (channels.length !== this.channels) {
      throw new RangeError(`recording ${this.path} has ${this.channels} channel(s), got ${channels.length}`);
    }
    const frames = Math.max(...channels.map((c) => c.length));
    this.pending.push(channels);
    this.pendingFrames += frames;
    this.acceptedFrames += frames;
    if (this.pendingFrames >= this.flushFrames) void this.flush().catch(() => undefined);
  }

  /** Writes buffered frames and then the header sizes that cover them. */
  flush(): Promise<void> {
    const blocks = this.pending;
    this.pending = [];
    this.pendingFrames = 0;
    if (blocks.length > 0) {
      this.chain = this.chain.then(() => this.append(blocks)).catch((err: unknown) => {
        this.error ??= err;
      });
    }
    return this.chain.then(() => {
      if (this.error) throw this.ioError();
    });
  }

  /** Flushes, fixes the header and closes the file. Safe to call twice. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const flushed = this.flush();
      this.closed = true;
      try {
        await flushed;
      } finally {
        await this.file.close();
      }
    })();
    return this.closing;
  }

  private async append(blocks: Int16Array[][]): Promise<void> {
    const bytes = blocks.map(interleave);
    const total = bytes.reduce((n, b) => n + b.length, 0);
    if (this.dataBytes + total > MAX_DATA_BYTES) {
      throw new HooklineError('WAV_TOO_LARGE', `recording ${this.path} reached the 4 GiB WAV limit`);
    }
    const buf = Buffer.concat(bytes);
    await this.file.write(buf, 0, buf.length, HEADER_BYTES + this.dataBytes);
    this.dataBytes += total;
    // Sizes go in after the data they describe: a crash between the two leaves a short but valid file.
    const sizes = Buffer.alloc(4);
    sizes.writeUInt32LE(36 + this.dataBytes);
    await this.file.write(sizes, 0, 4, 4);
    sizes.writeUInt32LE(this.dataBytes);
    await this.file.write(sizes, 0, 4, 40);
  }

  private ioError(): HooklineError {
    return new HooklineError('WAV_WRITE_FAILED', `cannot write recording ${this.path}`, { cause: this.error });
  }
}

/**
 * Recomputes the RIFF and data sizes of a WAV left behind by a crash (or any producer that could not
 * seek back), from the file's length. Only the 44-byte layout `WavWriter` writes is rewritten; other
 * files are left alone. Returns the number of sample frames the repaired file holds.
 */
export async function repairWav(path: string): Promise<number> {
  const { size } = await stat(path);
  const file = await open(path, 'r+');
  try {
    const head = Buffer.alloc(HEADER_BYTES);
    await file.read(head, 0, HEADER_BYTES, 0);
    if (size < HEADER_BYTES || head.toString('latin1', 0, 4) !== 'RIFF' || head.toString('latin1', 36, 40) !== 'data') {
      throw invalid(`${path} is not a WAV file with a 44-byte header`);
    }
    const blockAlign = head.readUInt16LE(32) || 2;
    const dataBytes = Math.min(MAX_DATA_BYTES, size - HEADER_BYTES - ((size - HEADER_BYTES) % blockAlign));
    head.writeUInt32LE(36 + dataBytes, 4);
    head.writeUInt32LE(dataBytes, 40);
    await file.write(head, 0, HEADER_BYTES, 0);
    // A frame cut in the middle by the crash is dropped, so the RIFF size is the file's size again.
    if (size > HEADER_BYTES + dataBytes) await file.truncate(HEADER_BYTES + dataBytes);
    return dataBytes / blockAlign;
  } finally {
    await file.close();
  }
}
