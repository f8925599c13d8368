/**
 * What an upload is, from its bytes (never its name or declared type): file-type recognises the
 * container by its magic numbers (and names what a non-audio upload is, "image/png"), and the checks
 * here find what a decoder would quietly accept: a file cut off part-way, or an Ogg page whose
 * checksum fails. A truncated MP3 or Ogg otherwise decodes "successfully" into a shorter prompt, and
 * the operator would only find out on a call.
 */
import { fileTypeFromBuffer } from 'file-type';

export type AudioFormat = 'wav' | 'mp3' | 'ogg-vorbis' | 'ogg-opus' | 'flac';

export const FORMAT_NAMES: Record<AudioFormat, string> = {
  wav: 'WAV',
  mp3: 'MP3',
  'ogg-vorbis': 'Ogg Vorbis',
  'ogg-opus': 'Ogg Opus',
  flac: 'FLAC',
};

export const SUPPORTED_FORMATS = 'WAV, MP3, Ogg Vorbis, Ogg Opus or FLAC';

export type Detection = { format: AudioFormat } | { format: undefined; what: string; audio: boolean };

const BY_EXT: Record<string, AudioFormat> = { wav: 'wav', mp3: 'mp3', flac: 'flac', opus: 'ogg-opus', ogg: 'ogg-vorbis' };

/** Looks like text: valid UTF-8 without control characters other than whitespace. */
function looksLikeText(bytes: Uint8Array): boolean {
  const head = bytes.subarray(0, 4096);
  // Don't fail on a multi-byte character cut at the 4096th byte.
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(head.length < bytes.length ? head.subarray(0, head.length - 3) : head);
  } catch {
    return false;
  }
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is looked for
  return !/[\0-\x08\x0e-\x1f\x7f]/.test(text);
}

export async function detectFormat(bytes: Uint8Array): Promise<Detection> {
  if (bytes.length === 0) return { format: undefined, what: 'an empty body', audio: false };
  const type = await fileTypeFromBuffer(bytes);
  if (type) {
    const format = BY_EXT[type.ext];
    if (format) return { format };
    const audio = type.mime.startsWith('audio/') || ['m4a', 'mp4', 'webm', 'oga', 'spx'].includes(type.ext);
    return { format: undefined, what: `${type.mime} (.${type.ext})`, audio };
  }
  if (looksLikeText(bytes)) return { format: undefined, what: 'text', audio: false };
  const hex = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
  return { format: undefined, what: `data of no known type (it starts with ${hex})`, audio: false };
}

// --- damage checks -------------------------------------------------------------------------------

/** Where the audio starts after an ID3v2 tag (MP3s carry one; so, rarely, do FLAC files). */
export function skipId3(bytes: Uint8Array): number {
  let off = 0;
  // Some taggers write more than one tag in a row.
  while (off + 10 <= bytes.length && bytes[off] === 0x49 && bytes[off + 1] === 0x44 && bytes[off + 2] === 0x33) {
    const size = ((bytes[off + 6]! & 0x7f) << 21) | ((bytes[off + 7]! & 0x7f) << 14) | ((bytes[off + 8]! & 0x7f) << 7) | (bytes[off + 9]! & 0x7f);
    const footer = bytes[off + 5]! & 0x10 ? 10 : 0;
    off += 10 + size + footer;
  }
  return off;
}

let crcTable: Uint32Array | undefined;

/** Ogg's CRC-32: polynomial 0x04c11db7, not reflected, initial value 0, over the page with its CRC field zeroed. */
function oggCrc(page: Uint8Array): number {
  const table = (crcTable ??= Uint32Array.from({ length: 256 }, (_, i) => {
    let r = i << 24;
    for (let k = 0; k < 8; k++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    return r >>> 0;
  }));
  let crc = 0;
  for (let i = 0; i < page.length; i++) {
    const b = i >= 22 && i < 26 ? 0 : page[i]!;
    crc = ((crc << 8) ^ table[((crc >>> 24) ^ b) & 0xff]!) >>> 0;
  }
  return crc;
}

/**
 * Walks every Ogg page (RFC 3533): each must start where the last ended, be whole, and pass its CRC,
 * and the last must carry the end-of-stream flag. Returns what is wrong, or undefined.
 */
export function oggDamage(bytes: Uint8Array): string | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let off = 0;
  let page = 0;
  let lastFlags = 0;
  while (off < bytes.length) {
    if (off + 27 > bytes.length) return `it is cut off in the header of page ${page + 1}`;
    if (bytes[off] !== 0x4f || bytes[off + 1] !== 0x67 || bytes[off + 2] !== 0x67 || bytes[off + 3] !== 0x53) {
      return `page ${page + 1} does not start where page ${page} ends (byte ${off})`;
    }
    const segments = bytes[off + 26]!;
    if (off + 27 + segments > bytes.length) return `it is cut off in the header of page ${page + 1}`;
    let body = 0;
    for (let i = 0; i < segments; i++) body += bytes[off + 27 + i]!;
    const end = off + 27 + segments + body;
    if (end > bytes.length) return `it is cut off: page ${page + 1} needs ${end - bytes.length} more bytes`;
    if (oggCrc(bytes.subarray(off, end)) !== view.getUint32(off + 22, true)) return `page ${page + 1} fails its checksum (damaged data)`;
    lastFlags = bytes[off + 5]!;
    off = end;
    page++;
  }
  if (!(lastFlags & 0x04)) return `it is cut off: the last page (${page}) does not end the stream`;
  return undefined;
}

/** Sample frames a FLAC file's STREAMINFO announces (0 when the encoder did not know). */
export function flacTotalFrames(bytes: Uint8Array): number {
  const at = skipId3(bytes);
  // "fLaC", then the STREAMINFO block: a 4-byte block header and 34 bytes, total samples in bits 108..143.
  if (bytes.length < at + 8 + 18 || String.fromCharCode(...bytes.subarray(at, at + 4)) !== 'fLaC') return 0;
  const d = at + 8;
  return (bytes[d + 13]! & 0x0f) * 2 ** 32 + ((bytes[d + 14]! << 24) >>> 0) + (bytes[d + 15]! << 16) + (bytes[d + 16]! << 8) + bytes[d + 17]!;
}

/**
 * An MP3's Xing/Info tag (written by LAME and most encoders) gives the stream's length in bytes: a file
 * shorter than that was cut off. Without the tag nothing tells a cut-off file from a short one.
 */
export function mp3Damage(bytes: Uint8Array): string | undefined {
  const start = skipId3(bytes);
  // The tag sits in the first frame after the side information: within its first 200 bytes.
  const first = bytes.subarray(start, start + 200);
  for (let i = 4; i + 16 <= first.length; i++) {
    const id = String.fromCharCode(first[i]!, first[i + 1]!, first[i + 2]!, first[i + 3]!);
    if (id !== 'Xing' && id !== 'Info') continue;
    const view = new DataView(first.buffer, first.byteOffset + i + 4);
    const flags = view.getUint32(0);
    if (!(flags & 0x02)) return undefined;
    const declared = view.getUint32(flags & 0x01 ? 8 : 4);
    let present = bytes.length - start;
    // An ID3v1 tag at the end is not part of the stream.
    if (bytes.length >= 128 && String.fromCharCode(...bytes.subarray(bytes.length - 128, bytes.length - 125)) === 'TAG') present -= 128;
    if (present < declared) return `it is cut off: its header announces ${declared} bytes of audio, ${present} are present`;
    return undefined;
  }
  return undefined;
}
