/**
 * In-band DTMF detection on 8 kHz linear PCM (for calls without RFC 4733), in the manner of ITU-T Q.24 receivers
 * and of the spandsp / Asterisk detectors: Goertzel power of the 8 tones over 102-sample blocks (12.75 ms,
 * fine enough to separate 697 from 770 Hz), then per block:
 *   - both the strongest row and column tone above a minimum level;
 *   - twist within limits: low group louder by ≤ 8 dB ("normal"), high group louder by ≤ 4 dB ("reverse");
 *   - each a clear peak over the other tones of its group;
 *   - the two tones carry most of the block's energy (speech and music spread theirs);
 *   - little energy at their second harmonics (voices and instruments have harmonics; DTMF has none).
 * A key is reported once it holds for `toneBlocks` consecutive blocks, and not again until a pause of
 * `pauseBlocks` blocks: 2 and 3 guarantee that 40 ms tones and 40 ms pauses (Q.24) are recognised at any alignment.
 *
 * Most blocks a caller sends are silence or line noise while they listen, and every call's detector runs 50
 * times a second, so a block too quiet to hold any key skips the filters. The skip changes no result: a
 * Goertzel power is |Σ x[n]·e^(−jωn)|², at most N·Σx² (Cauchy–Schwarz), so a block whose energy is below
 * minimum level / (N × the relaxed margin) cannot pass the level check even relaxed. Measured with
 * bench/instructions.ts: a silent frame costs a tenth of the instructions it did. Louder blocks (a caller
 * talking, or line noise, while the prompts play) run the row filters first, and the column filters only when
 * the strongest row could pass the checks that follow (see classify): again no result changes.
 */
import { blockEnergy, GoertzelBank } from './goertzel.js';
import { DTMF_COL_FREQS, DTMF_KEYPAD, DTMF_ROW_FREQS, dbm0ToAmplitude } from './dtmf-tones.js';

export interface DtmfDetectorOptions {
  /** Minimum level of each tone, default −32 dBm0. */
  minLevelDbm0?: number;
  /** Low group may exceed the high group by this much, default 8 dB. */
  normalTwistDb?: number;
  /** High group may exceed the low group by this much, default 4 dB. */
  reverseTwistDb?: number;
  /** The best tone of a group must beat the others of its group by this much, default 8 dB. */
  relativePeakDb?: number;
  /** Share of the block energy the two tones must hold (1 for a clean DTMF signal), default 0.8. */
  toneToTotal?: number;
  /**
   * Fundamental over second harmonic, in dB. The row harmonics (1394-1882 Hz) sit within one bin of the column
   * tones, whose leakage they pick up, so that check is loose; the column harmonics (2418-3266 Hz) are clear.
   */
  rowHarmonicDb?: number;
  colHarmonicDb?: number;
  /** Consecutive hit blocks before a key is reported, default 2 (≈ 25 ms; every 40 ms tone gives 2). */
  toneBlocks?: number;
  /** Consecutive non-hit blocks that end a key, default 3 (every 40 ms pause gives 3). */
  pauseBlocks?: number;
  /**
   * Skip the filters on blocks too quiet to hold a key, and the column filters on blocks whose rows cannot
   * hold one (default true; false only to test that it changes nothing).
   */
  energyGate?: boolean;
}

const N = 102;
const ROWS = new GoertzelBank(DTMF_ROW_FREQS);
const COLS = new GoertzelBank(DTMF_COL_FREQS);
const ROW_HARM = new GoertzelBank(DTMF_ROW_FREQS.map((f) => 2 * f));
const COL_HARM = new GoertzelBank(DTMF_COL_FREQS.map((f) => 2 * f));
/**
 * Probes 3.5 % below and above each tone: a tone nearer a probe than its nominal frequency is more than
 * 1.75 % off, past the ±1.5 % Q.24 tolerance, and is most likely a musical note (D6 and D#6 straddle 1209 Hz).
 */
const DEVIATION = 0.035;
const ROW_LO = new GoertzelBank(DTMF_ROW_FREQS.map((f) => f * (1 - DEVIATION)));
const ROW_HI = new GoertzelBank(DTMF_ROW_FREQS.map((f) => f * (1 + DEVIATION)));
const COL_LO = new GoertzelBank(DTMF_COL_FREQS.map((f) => f * (1 - DEVIATION)));
const COL_HI = new GoertzelBank(DTMF_COL_FREQS.map((f) => f * (1 + DEVIATION)));
const db = (d: number): number => 10 ** (d / 10);
const RELAX = db(3);

function argmax(a: Float64Array): number {
  let best = 0;
  for (let i = 1; i < a.length; i++) if (a[i]! > a[best]!) best = i;
  return best;
}

function offFrequency(b: Float64Array, lo: GoertzelBank, hi: GoertzelBank, i: number, p: number, tmp: Float64Array): boolean {
  return lo.powers(b, tmp)[i]! > p || hi.powers(b, tmp)[i]! > p;
}

export class DtmfDetector {
  private readonly minPower: number;
  private readonly normalTwist: number;
  private readonly reverseTwist: number;
  private readonly relPeak: number;
  private readonly toneToTotal: number;
  private readonly rowHarm: number;
  private readonly colHarm: number;
  private readonly toneBlocks: number;
  private readonly pauseBlocks: number;
  /** Below this block energy no tone can reach the level check, relaxed or not (see the top of the file). */
  private readonly gateEnergy: number;

  private readonly block = new Float64Array(N);
  private fill = 0;
  private readonly row = new Float64Array(4);
  private readonly col = new Float64Array(4);
  private readonly harm = new Float64Array(4);
  private candidate = '';
  private candidateBlocks = 0;
  private active = '';
  private missBlocks = 0;

  constructor(opts: DtmfDetectorOptions = {}) {
    const amp = dbm0ToAmplitude(opts.minLevelDbm0 ?? -32);
    this.minPower = ((amp * N) / 2) ** 2;
    this.normalTwist = db(opts.normalTwistDb ?? 8);
    this.reverseTwist = db(opts.reverseTwistDb ?? 4);
    this.relPeak = db(opts.relativePeakDb ?? 8);
    this.toneToTotal = opts.toneToTotal ?? 0.8;
    this.rowHarm = db(opts.rowHarmonicDb ?? 2.5);
    this.colHarm = db(opts.colHarmonicDb ?? 18);
    this.toneBlocks = opts.toneBlocks ?? 2;
    this.pauseBlocks = opts.pauseBlocks ?? 3;
    // 0.99: a margin for rounding in the filters, so that the bound stays a bound in floating point.
    this.gateEnergy = opts.energyGate === false ? 0 : (0.99 * this.minPower) / (RELAX * N);
  }

  /** Feeds samples (any length, normally a 160-sample frame); returns the keys that began in them, usually "". */
  detect(frame: Int16Array): string {
    let out = '';
    for (let i = 0; i < frame.length; i++) {
      this.block[this.fill++] = frame[i]!;
      if (this.fill === N) {
        this.fill = 0;
        // Hysteresis: a key already held needs only the relaxed checks to continue, so that a tone near a limit
        // (twist, level, noise) flickering for a few blocks is not split into two presses.
        const energy = blockEnergy(this.block);
        let hit = '';
        if (energy >= this.gateEnergy) {
          hit = this.classify(false, energy);
          if (!hit && this.active && this.classify(true, energy) === this.active) hit = this.active;
        }
        const key = this.step(hit);
        if (key) out += key;
      }
    }
    return out;
  }

  /** The key being held right now, "" if none (for barge-in or recording cut-off decisions). */
  get current(): string {
    return this.active;
  }

  reset(): void {
    this.fill = 0;
    this.candidate = '';
    this.candidateBlocks = 0;
    this.active = '';
    this.missBlocks = 0;
  }

  /** The key a block holds by every check, or "". Relaxed: 3 dB more twist, level and peak margin, 0.15 less share. */
  private classify(relaxed: boolean, energy: number): string {
    const b = this.block;
    const k = relaxed ? RELAX : 1;
    const share = this.toneToTotal - (relaxed ? 0.15 : 0);
    ROWS.powers(b, this.row);
    const r = argmax(this.row);
    const rp = this.row[r]!;
    if (rp * k < this.minPower) return '';
    // The columns' filters only when the strongest row can pass the share check below: a column that passes
    // the twist check has cp ≤ rp·reverseTwist·k, so 2·(rp+cp) ≤ 2·rp·(1 + reverseTwist·k). Speech and noise
    // that reach the level (a caller talking, or a noisy line, while the prompts play) mostly end here, at
    // half the filters. The same margin as the energy gate's keeps it a bound in floating point.
    if (this.gateEnergy > 0 && 2 * rp * (1 + this.reverseTwist * k) < 0.99 * share * N * energy) return '';
    COLS.powers(b, this.col);
    const c = argmax(this.col);
    const cp = this.col[c]!;
    if (cp * k < this.minPower) return '';
    if (rp > cp * this.normalTwist * k || cp > rp * this.reverseTwist * k) return '';
    for (let i = 0; i < 4; i++) {
      if (i !== r && this.row[i]! * this.relPeak > rp * k) return '';
      if (i !== c && this.col[i]! * this.relPeak > cp * k) return '';
    }
    // A sine of amplitude A gives Goertzel power A²N²/4 and energy A²N/2: 2·(rp+cp)/(N·E) is 1 for pure DTMF.
    if ((2 * (rp + cp)) / (N * energy) < share) return '';
    ROW_HARM.powers(b, this.harm);
    if (this.harm[r]! * this.rowHarm > rp) return '';
    COL_HARM.powers(b, this.harm);
    if (this.harm[c]! * this.colHarm > cp) return '';
    if (!relaxed && (offFrequency(b, ROW_LO, ROW_HI, r, rp, this.harm) || offFrequency(b, COL_LO, COL_HI, c, cp, this.harm))) return '';
    return DTMF_KEYPAD[r]![c]!;
  }

  /** Duration and pause logic: returns a key the moment it is confirmed, once per press. */
  private step(hit: string): string {
    if (hit === this.candidate) this.candidateBlocks++;
    else {
      this.candidate = hit;
      this.candidateBlocks = 1;
    }
    if (this.active) {
      if (hit === this.active) this.missBlocks = 0;
      else if (++this.missBlocks >= this.pauseBlocks) this.active = '';
    }
    if (!this.active && hit && this.candidateBlocks >= this.toneBlocks) {
      this.active = hit;
      this.missBlocks = 0;
      return hit;
    }
    return '';
  }
}
