/**
 * Recordings sent back as audio (`survo.get_recording`, `recording.download`): WAV only, at the
 * sample rate asked for. Recordings are kept as WAV and hookline carries no MP3 encoder, so
 * `format=mp3` is refused with that reason rather than answered with something else.
 */
import { wavAtRate } from '../../admin/recording-files.js';
import type { IbpAnswer } from './context.js';
import { invalid, notOffered, type Params } from './params.js';

/**
 * The original listed 8000 (default), 11000 (WAV only), 22050 and 44100; "11000" is read as the
 * standard 11025 Hz it stands for. 11025 and 16000 are taken as written.
 */
const RATES: Readonly<Record<string, number>> = { '8000': 8000, '11000': 11025, '11025': 11025, '16000': 16000, '22050': 22050, '44100': 44100 };

export function checkWavFormat(p: Params): number {
  const format = p.text('format')?.toLowerCase() ?? 'wav';
  if (format === 'mp3') throw notOffered('Not Offered: format mp3: hookline keeps recordings as WAV and has no MP3 encoder; ask for format=wav');
  if (format !== 'wav') throw invalid('format', 'expected wav');
  const raw = p.text('sample_rate') ?? '8000';
  const rate = Object.hasOwn(RATES, raw) ? RATES[raw] : undefined;
  if (rate === undefined) throw invalid('sample_rate', `expected one of ${Object.keys(RATES).join(', ')}`);
  return rate;
}

export function wavAnswer(bytes: Uint8Array, rate: number, filename: string): IbpAnswer {
  return { body: wavAtRate(bytes, rate), contentType: 'audio/wav', filename };
}
