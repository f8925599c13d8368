/**
 * `npm run bench:asr [-- --url http://127.0.0.1:8000 --model base.en --key K --out DIR]`: each
 * transcription engine's word error rate (WER) and real-time factor (RTF: processing time over audio
 * length; below 1 is faster than the caller spoke) on the corpus hookline makes itself
 * (src/testkit/asr-corpus.ts: 20 sentences, spoken by espeak-ng and Flite, through G.711 at 8 kHz).
 *
 * Engines measured: `local` (PocketSphinx) when `pocketsphinx_continuous` is installed; `http` only when
 * --url (or HOOKLINE_TRANSCRIBE_URL) points at a real speech-to-text service: there is no model to run
 * one here, and a stand-in answering fixed text would measure nothing. One engine at a time, one
 * recording at a time, so the RTF is that of one job on an otherwise idle machine.
 *
 * --out DIR also writes the corpus as WAV files with a references.tsv, to try other engines by hand.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { spawnSync } from 'node:child_process';
import { synthesizeCorpus, type CorpusItem } from '../src/testkit/asr-corpus.js';
import { createHttpEngine, createLocalEngine, type SpeechToText } from '../src/speech/transcribe/index.js';
import { wordErrorRate } from '../src/speech/transcribe/wer.js';

const { values: opt } = parseArgs({
  options: {
    url: { type: 'string', default: process.env.HOOKLINE_TRANSCRIBE_URL ?? '' },
    model: { type: 'string', default: process.env.HOOKLINE_TRANSCRIBE_MODEL ?? 'whisper-1' },
    key: { type: 'string', default: process.env.HOOKLINE_TRANSCRIBE_KEY ?? '' },
    out: { type: 'string', default: '' },
    verbose: { type: 'boolean', default: false },
  },
});

interface Row {
  engine: string;
  voice: string;
  sentences: number;
  wer: number;
  rtf: number;
  failures: number;
}

async function measure(engine: SpeechToText, items: CorpusItem[]): Promise<Row[]> {
  const rows: Row[] = [];
  for (const voice of [...new Set(items.map((i) => i.voice))]) {
    const mine = items.filter((i) => i.voice === voice);
    const pairs: Array<{ reference: string; hypothesis: string }> = [];
    let busyMs = 0;
    let audioMs = 0;
    let failures = 0;
    for (const item of mine) {
      const t0 = performance.now();
      let hypothesis = '';
      try {
        hypothesis = await engine.transcribe(item.wav);
      } catch (err) {
        failures++;
        if (opt.verbose) console.error(`${engine.name} ${item.id}: ${err instanceof Error ? err.message : String(err)}`);
      }
      busyMs += performance.now() - t0;
      audioMs += item.durationMs;
      pairs.push({ reference: item.reference, hypothesis });
      if (opt.verbose) console.log(`${engine.name}\t${item.id}\t${item.reference}\t=> ${hypothesis}`);
    }
    rows.push({ engine: engine.name, voice, sentences: mine.length, wer: wordErrorRate(pairs), rtf: busyMs / audioMs, failures });
  }
  return rows;
}

const { items, skipped } = await synthesizeCorpus();
for (const s of skipped) console.log(`voice ${s.voice} skipped: ${s.why}`);
if (opt.out) {
  await mkdir(opt.out, { recursive: true });
  for (const i of items) await writeFile(path.join(opt.out, `${i.id}.wav`), i.wav);
  await writeFile(path.join(opt.out, 'references.tsv'), items.map((i) => `${i.id}.wav\t${i.reference}`).join('\n') + '\n');
  console.log(`corpus written to ${opt.out}`);
}

const engines: SpeechToText[] = [];
if (spawnSync('pocketsphinx_continuous', ['-h']).error === undefined) engines.push(createLocalEngine({ timeoutMs: 120_000 }));
else console.log('local: not measured (pocketsphinx_continuous is not installed: apt-get install pocketsphinx pocketsphinx-en-us)');
if (opt.url) engines.push(createHttpEngine({ url: opt.url, model: opt.model, timeoutMs: 120_000, ...(opt.key ? { key: opt.key } : {}) }));
else console.log('http: not measured (give --url of a real speech-to-text service; none runs here)');

const rows: Row[] = [];
for (const e of engines) rows.push(...(await measure(e, items)));
const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;
console.log('');
console.log(['engine', 'voice', 'sentences', 'WER', 'RTF', 'failed'].join('\t'));
for (const r of rows) console.log([r.engine, r.voice, r.sentences, pct(r.wer), r.rtf.toFixed(3), r.failures].join('\t'));
