/**
 * An upload in any supported format becomes one canonical WAV: 16-bit PCM, mono, at the upload's own
 * rate up to 16 kHz, with higher rates resampled down to 16 kHz.
 *
 * Why 16 kHz and not the 8 kHz every call plays today: 16 kHz is wideband (G.722's rate), so the
 * library keeps everything a wideband call could use if hookline offers G.722 later, at a quarter of
 * the size of 44.1 kHz stereo; anything above 8 kHz of audio bandwidth no phone call can carry. Lower
 * rates (8, 11.025, 12 kHz) are kept as they are: upsampling adds no information, only a second
 * resampling before play. Mono because a call is mono; channels are averaged (wav.ts `mixdown`).
 *
 * Decoding happens once, here (run in a worker thread by audio-converter.ts, since it is seconds of
 * CPU for a long file); AudioLibrary then only converts this WAV to 8 kHz G.711 when played.
 * Decoders are WebAssembly builds of the reference libraries (mpg123, libFLAC, libvorbis, libopus)
 * from the wasm-audio-decoders project; see docs/decisions.md. They are fed the upload in pieces and
 * their output goes through `ResampleStream`, so a long file is never held whole at its source rate.
 */
import { HooklineError } from '../lib/errors.js';
import { floatToInt16, ResampleStream } from '../media/resample.js';
import { readWavInfo } from '../media/wav-info.js';
import { encodeUlaw } from '../media/g711.js';
import { decodeWav, encodeWav, mixdown, wavTo8kMono } from '../media/wav.js';
import { flacTotalFrames, FORMAT_NAMES, mp3Damage, oggDamage, type AudioFormat } from './audio-formats.js';
import { AdminError } from './errors.js';

/** The highest rate kept (see above). */
export const MAX_STORED_RATE = 16000;
/** Rates outside this range are not real audio files (and a 1 Hz header would make play-time resampling explode). */
const MIN_SOURCE_RATE = 4000;
const MAX_SOURCE_RATE = 384000;
const CHUNK_BYTES = 64 * 1024;

export interface ConvertOptions {
  /** Longest audio accepted, in seconds. */
  maxSeconds: number;
}

export interface Converted {
  format: AudioFormat;
  /** The canonical WAV file. */
  wav: Uint8Array;
  sampleRate: number;
  frames: number;
  source: { sampleRate: number; channels: number; frames: number };
}

interface Decoded {
  channelData: Float32Array[];
  samplesDecoded: number;
  sampleRate: number;
  errors: Array<{ message: string; frameNumber: number }>;
}

interface StreamDecoder {
  ready: Promise<void>;
  decode(chunk: Uint8Array): Decoded | Promise<Decoded>;
  flush?(): Promise<Decoded>;
  free(): void;
}

/**
 * Loaded on first use: together the decoders take ~75 ms and ~16 MB to load, which a server that
 * answers calls all day and takes an upload now and then should not pay at every start.
 */
const DECODERS: Record<Exclude<AudioFormat, 'wav'>, () => Promise<StreamDecoder>> = {
  mp3: async () => new (await import('mpg123-decoder')).MPEGDecoder(),
  flac: async () => new (await import('@wasm-audio-decoders/flac')).FLACDecoder(),
  'ogg-vorbis': async () => new (await import('@wasm-audio-decoders/ogg-vorbis')).OggVorbisDecoder(),
  'ogg-opus': async () => new (await import('ogg-opus-decoder')).OggOpusDecoder(),
};

function damaged(format: AudioFormat, why: string): AdminError {
  return new AdminError('invalid', `the ${FORMAT_NAMES[format]} file cannot be used: ${why}`);
}

/** Mixes, resamples and collects decoded pieces, checking rate and length as they come. */
class Canonical {
  private rate: number | undefined;
  private channels = 0;
  private frames = 0;
  private stream: ResampleStream | undefined;
  private readonly out: Int16Array[] = [];

  constructor(
    private readonly format: AudioFormat,
    private readonly maxSeconds: number,
  ) {}

  push(channelData: readonly Float32Array[], frames: number, rate: number): void {
    if (frames === 0 || channelData.length === 0) return;
    if (this.rate === undefined) {
      if (!(rate >= MIN_SOURCE_RATE && rate <= MAX_SOURCE_RATE)) {
        throw damaged(this.format, `its sample rate ${rate} Hz is outside ${MIN_SOURCE_RATE}–${MAX_SOURCE_RATE} Hz`);
      }
      this.rate = rate;
      this.channels = channelData.length;
      this.stream = new ResampleStream(rate, Math.min(rate, MAX_STORED_RATE));
    } else if (rate !== this.rate) {
      throw damaged(this.format, `its sample rate changes part-way (${this.rate} Hz, then ${rate} Hz)`);
    }
    this.frames += frames;
    if (this.frames > this.maxSeconds * rate) {
      const limit = this.maxSeconds % 60 === 0 ? `${this.maxSeconds / 60} minutes` : `${this.maxSeconds} seconds`;
      throw new AdminError('too_large', `the audio is longer than ${limit}, the most the library takes`);
    }
    const mono = mixdown(channelData.map((c) => c.subarray(0, frames)));
    this.out.push(floatToInt16(this.stream!.push(mono)));
  }

  finish(): Omit<Converted, 'format'> {
    if (this.rate === undefined || this.frames === 0) throw damaged(this.format, 'no audio could be decoded from it');
    this.out.push(floatToInt16(this.stream!.end()));
    const pcm = new Int16Array(this.out.reduce((n, p) => n + p.length, 0));
    let off = 0;
    for (const p of this.out) {
      pcm.set(p, off);
      off += p.length;
    }
    const sampleRate = Math.min(this.rate, MAX_STORED_RATE);
    return { wav: encodeWav(pcm, sampleRate), sampleRate, frames: pcm.length, source: { sampleRate: this.rate, channels: this.channels, frames: this.frames } };
  }

  get decodedFrames(): number {
    return this.frames;
  }
}

function convertWav(bytes: Uint8Array, sink: Canonical): void {
  const info = readWavInfo(bytes.subarray(0, 64 * 1024), bytes.length);
  if (info && info.missingBytes > 0) {
    throw damaged('wav', `it is cut off: its header announces ${info.missingBytes} more bytes of audio than the file holds`);
  }
  let wav;
  try {
    wav = decodeWav(bytes);
  } catch (err) {
    const message = err instanceof HooklineError ? err.message : String(err);
    if (err instanceof HooklineError && err.code === 'WAV_UNSUPPORTED') throw new AdminError('unsupported_media', `the WAV file uses an ${message}`);
    throw damaged('wav', message);
  }
  sink.push(wav.channels, wav.channels[0]?.length ?? 0, wav.sampleRate);
}

async function convertCompressed(format: Exclude<AudioFormat, 'wav'>, bytes: Uint8Array, sink: Canonical): Promise<void> {
  const damage = format === 'mp3' ? mp3Damage(bytes) : format === 'flac' ? undefined : oggDamage(bytes);
  if (damage) throw damaged(format, damage);
  const decoder = await DECODERS[format]();
  try {
    await decoder.ready;
    const take = (r: Decoded): void => {
      const e = r.errors[0];
      if (e) throw damaged(format, `the decoder reports "${e.message}" at frame ${e.frameNumber}`);
      sink.push(r.channelData, r.samplesDecoded, r.sampleRate);
    };
    for (let off = 0; off < bytes.length; off += CHUNK_BYTES) take(await decoder.decode(bytes.subarray(off, off + CHUNK_BYTES)));
    if (decoder.flush) take(await decoder.flush());
  } finally {
    decoder.free();
  }
  const announced = format === 'flac' ? flacTotalFrames(bytes) : 0;
  if (announced > sink.decodedFrames) {
    throw damaged(format, `it is cut off: its header announces ${announced} samples, ${sink.decodedFrames} could be decoded`);
  }
}

/** Decodes `bytes` (already recognised as `format`) into the canonical WAV; throws AdminError 413/415/422. */
export async function convertToCanonicalWav(format: AudioFormat, bytes: Uint8Array, options: ConvertOptions): Promise<Converted> {
  const sink = new Canonical(format, options.maxSeconds);
  if (format === 'wav') convertWav(bytes, sink);
  else await convertCompressed(format, bytes, sink);
  return { format, ...sink.finish() };
}

/** What AudioLibrary plays of a stored WAV (8 kHz μ-law), made by the same functions so it is identical. */
export function telephonyUlaw(wav: Uint8Array): Uint8Array {
  return encodeUlaw(wavTo8kMono(wav));
}
