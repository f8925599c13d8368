/**
 * Splits a prompt's text into pieces that are synthesized one after another, so that the first piece
 * can play while the rest is rendered (see PromptCache.stream).
 *
 * Why pieces at clause punctuation sound the same as the whole text: eSpeak NG itself works clause by
 * clause (a clause ends at . ! ? ; : or a comma), choosing each clause's intonation from its closing
 * punctuation and ending it with that punctuation's pause, also at the end of the input. Measured on
 * split texts, the first piece is sample-identical to the start of the whole rendering, the pieces'
 * total length matches it within a few samples (so the pause at a cut is the pause espeak makes
 * there anyway: ~300 ms after a full stop, ~150–200 ms after a comma), and later pieces have the same
 * loudness envelope and pitch (within ~1 dB and ~1 Hz).
 *
 * Why not cut at every clause: each piece costs the WASM engine a fresh instance (30–50 ms of its one
 * worker, off the path to the first frame but not free), while the time to a piece's first audio grows
 * only ~0.5–1 ms a word (espeak's main(): ~12 ms plus ~0.5 ms a word; the resampling of all but the
 * first half second happens after that has been sent). Measured, splitting gains nothing up to ~15
 * words and 15–80 ms from 25 to 100 words. So:
 * - a text of up to FIRST_MAX_WORDS words stays whole;
 * - the first piece is as many whole sentences as fit in FIRST_MAX_WORDS, at least one; only a first
 *   sentence longer than that is cut, at its clause boundaries (as many clauses as fit, at least one);
 * - later pieces only need to be ready before what is already queued has played (speech is ~300 ms a
 *   word, synthesis a few ms), so they group whole sentences up to a budget that doubles with each
 *   piece, capped at MAX_PIECE_WORDS so that a piece under way never holds the worker long (a first
 *   piece of another call waits for it); only a sentence longer than the cap is cut at its clauses.
 * Nothing is ever cut inside a clause, so never inside a word or a number ("1,000", "3.5", "10:30" have
 * no space after their punctuation, and only punctuation followed by a space ends a clause).
 */

export interface SplitOptions {
  /** Texts up to this many words are not split; the first piece holds at most this many (unless one clause is longer). */
  firstMaxWords?: number;
  /** Later pieces hold at most this many words (unless one clause is longer). */
  maxPieceWords?: number;
}

export const FIRST_MAX_WORDS = 16;
export const MAX_PIECE_WORDS = 60;

/** Words whose trailing "." does not end a sentence (titles, common abbreviations). */
const ABBREVIATIONS = new Set([
  'mr', 'mrs', 'ms', 'dr', 'prof', 'st', 'jr', 'sr', 'vs', 'etc', 'no', 'nos', 'approx', 'inc', 'ltd', 'co', 'corp',
  'ave', 'blvd', 'rd', 'mt', 'ft', 'dept', 'est', 'min', 'max', 'tel', 'ext', 'fig', 'vol', 'jan', 'feb', 'mar',
  'apr', 'jun', 'jul', 'aug', 'sep', 'sept', 'oct', 'nov', 'dec',
]);

interface Clause {
  words: string[];
  /** Ends a sentence (. ! ?) rather than a clause within one (, ; :), or the text ends. */
  sentenceEnd: boolean;
}

/** Strips closing quotes and brackets, which may follow the punctuation: `"Yes."` or `(see below.)`. */
function core(word: string): string {
  return word.replace(/["'”’)\]]+$/, '');
}

function endsSentence(word: string, next: string | undefined): boolean {
  const w = core(word);
  if (/[!?]$/.test(w)) return true;
  if (!w.endsWith('.')) return false;
  // Lower case next ("a.m. tomorrow", "approx. five") reads on; so does what follows an initial or an
  // abbreviation ("J. Smith", "U.S. Army", "Dr. Jones", "e.g. this").
  if (next === undefined || !/^["'“‘([]*[\p{Lu}\p{N}]/u.test(next)) return false;
  const stem = w.slice(0, -1).replace(/^["'“‘([]+/, '');
  if (stem.includes('.') || /^\p{L}$/u.test(stem)) return false;
  return !ABBREVIATIONS.has(stem.toLowerCase());
}

function clauses(words: string[]): Clause[] {
  const out: Clause[] = [];
  let current: string[] = [];
  words.forEach((word, i) => {
    current.push(word);
    const next = words[i + 1];
    const sentenceEnd = next === undefined || endsSentence(word, next);
    if (sentenceEnd || /[,;:]$/.test(core(word))) {
      out.push({ words: current, sentenceEnd });
      current = [];
    }
  });
  return out;
}

/** Groups clauses into sentences (each a list of clauses). */
function sentences(cs: Clause[]): Clause[][] {
  const out: Clause[][] = [];
  let current: Clause[] = [];
  for (const c of cs) {
    current.push(c);
    if (c.sentenceEnd) {
      out.push(current);
      current = [];
    }
  }
  if (current.length) out.push(current);
  return out;
}

const count = (cs: Clause[]): number => cs.reduce((n, c) => n + c.words.length, 0);

/** Cuts one sentence's clauses into runs of at most `max` words (a longer single clause stays whole). */
function cut(sentence: Clause[], max: number): Clause[][] {
  const out: Clause[][] = [];
  let run: Clause[] = [];
  for (const c of sentence) {
    if (run.length && count(run) + c.words.length > max) {
      out.push(run);
      run = [];
    }
    run.push(c);
  }
  if (run.length) out.push(run);
  return out;
}

/**
 * The pieces of `text` (already normalized: single spaces, trimmed), in order; joined with single
 * spaces they give back `text`. Empty text gives no pieces.
 */
export function splitForSpeech(text: string, options: SplitOptions = {}): string[] {
  const firstMax = options.firstMaxWords ?? FIRST_MAX_WORDS;
  const maxPiece = Math.max(firstMax, options.maxPieceWords ?? MAX_PIECE_WORDS);
  const words = text.split(' ').filter((w) => w !== '');
  if (words.length === 0) return [];
  if (words.length <= firstMax) return [words.join(' ')];

  // Units are whole sentences, except that a sentence too long for where it falls is cut into clause runs.
  const queue = sentences(clauses(words));
  const pieces: Clause[][] = [];
  let done = 0; // words placed in pieces so far
  while (queue.length) {
    const budget = pieces.length === 0 ? firstMax : Math.min(maxPiece, Math.max(firstMax, 2 * done));
    const piece: Clause[] = [];
    while (queue.length) {
      const sentence = queue[0]!;
      const n = count(sentence);
      if (count(piece) + n <= budget) {
        piece.push(...queue.shift()!);
        continue;
      }
      if (piece.length === 0) {
        // Nothing fits the budget: a later piece takes the sentence whole up to the cap; a first sentence
        // over FIRST_MAX_WORDS, or a later one over the cap, gives its first clause run, the rest stays queued.
        const limit = pieces.length === 0 ? firstMax : maxPiece;
        if (n <= limit) piece.push(...queue.shift()!);
        else {
          const runs = cut(sentence, limit);
          piece.push(...runs[0]!);
          const rest = runs.slice(1).flat();
          if (rest.length) queue[0] = rest;
          else queue.shift();
        }
      }
      break;
    }
    pieces.push(piece);
    done += count(piece);
  }
  return pieces.map((p) => p.flatMap((c) => c.words).join(' '));
}
