/**
 * What a WAV file holds, from its first bytes and its length: format, rate, channels, duration, and
 * whether the data chunk is shorter than its header says (a cut-off upload). Listing a library of
 * hundreds of files must not decode each one, so only the header is read; `decodeWav` (wav.ts) remains
 * the one reader of samples.
 */

export interface WavInfo {
  /** The format tag, or the subformat's tag for WAVE_FORMAT_EXTENSIBLE: 1 PCM, 3 float, 6 A-law, 7 μ-law. */
  formatTag: number;
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
  /** Sample frames present in the file. */
  frames: number;
  durationMs: number;
  /** Bytes of audio the header announces beyond the end of the file (0 for a complete file). */
  missingBytes: number;
}

const FORMAT_EXTENSIBLE = 0xfffe;
/** Sizes of 0 or at least this are "unknown" placeholders of streaming producers (see wav.ts). */
const STREAMING_SIZE = 0x7fff0000;

function tag(bytes: Uint8Array, off: number): string {
  return String.fromCharCode(bytes[off]!, bytes[off + 1]!, bytes[off + 2]!, bytes[off + 3]!);
}

/**
 * Reads a little-endian RIFF/WAVE header. `head` is the start of the file (the fmt chunk and the data
 * chunk's header must be in it; 64 KiB is plenty for any real file); `fileSize` is the whole file's
 * length. Returns undefined for anything else (RIFX, RF64, a header beyond `head`): the caller may fall
 * back to decoding the whole file.
 */
export function readWavInfo(head: Uint8Array, fileSize: number): WavInfo | undefined {
  if (head.length < 12 || tag(head, 0) !== 'RIFF' || tag(head, 8) !== 'WAVE') return undefined;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  let fmt: Omit<WavInfo, 'frames' | 'durationMs' | 'missingBytes'> | undefined;
  let off = 12;
  while (off + 8 <= head.length) {
    const id = tag(head, off);
    const size = view.getUint32(off + 4, true);
    if (id === 'fmt ') {
      if (off + 24 > head.length) return undefined;
      const formatTag = view.getUint16(off + 8, true);
      const sub = formatTag === FORMAT_EXTENSIBLE && size >= 40 && off + 34 <= head.length ? view.getUint16(off + 32, true) : formatTag;
      fmt = { formatTag: sub, channels: view.getUint16(off + 10, true), sampleRate: view.getUint32(off + 12, true), bitsPerSample: view.getUint16(off + 22, true) };
    } else if (id === 'data') {
      if (!fmt || fmt.channels === 0 || fmt.sampleRate === 0 || fmt.bitsPerSample === 0) return undefined;
      const present = Math.max(0, fileSize - off - 8);
      const streaming = size === 0 || size >= STREAMING_SIZE;
      const dataBytes = streaming ? present : Math.min(size, present);
      const frames = Math.floor(dataBytes / (Math.ceil(fmt.bitsPerSample / 8) * fmt.channels));
      return { ...fmt, frames, durationMs: Math.round((frames * 1000) / fmt.sampleRate), missingBytes: streaming ? 0 : Math.max(0, size - present) };
    }
    off += 8 + size + (size & 1);
  }
  return undefined;
}
