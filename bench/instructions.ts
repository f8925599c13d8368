/**
 * Instructions per frame of bench/media-cost.ts's workloads, counted by valgrind (callgrind): a figure that
 * does not move with the load on the machine, for comparing commits. Each case runs twice, with `frames`
 * and with 2 × `frames` measured frames after the same warm-up; the difference over the extra frames is
 * the cost of a frame, start-up (node, tsx, binding sockets) cancelling out. User-space instructions only:
 * the kernel's side of a system call is not counted (media-cost.ts's cpu_us_per_frame has it). Node runs
 * --single-threaded (no concurrent compiler or GC threads): without it two runs of the same case differed by
 * up to a third (receive:silence 40,000 and 56,000 a frame), with it by about 1 % (27,900 and 28,100); what
 * is left is lumpy (a garbage collection more or less), so differences under ~1,000 a frame are noise.
 *
 *   node --import tsx bench/instructions.ts [--cases send:silence,receive:silence,...] [--sessions 50] [--frames 400]
 *
 * A case is path:audio[:no-te] (see media-cost.ts). Needs valgrind (Debian: apt-get install valgrind);
 * about a minute and a half a case (its two runs in parallel).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';

const DEFAULT_CASES = 'send:silence,send:speech,receive:silence,receive:noise,receive:speech,receive:silence:no-te,receive:speech:no-te,receive:dtmf:no-te,detect:silence,detect:speech,detect:dtmf';
const { values } = parseArgs({
  options: {
    cases: { type: 'string', default: DEFAULT_CASES },
    sessions: { type: 'string', default: '50' },
    frames: { type: 'string', default: '400' },
    warm: { type: 'string', default: '100' },
  },
});

function callgrind(args: string[]): Promise<{ instructions: number; line: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const child = spawn('valgrind', ['--tool=callgrind', '--callgrind-out-file=/dev/null', process.execPath, '--single-threaded', '--import', 'tsx', path.join(import.meta.dirname, 'media-cost.ts'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const m = /Collected : (\d+)/.exec(err);
      const json = out.split('\n').find((l) => l.startsWith('{'));
      if (code !== 0 || !m || !json) reject(new Error(`valgrind media-cost.ts ${args.join(' ')} exited ${code}: ${err.slice(-1000)}`));
      else resolve({ instructions: Number(m[1]), line: JSON.parse(json) as Record<string, unknown> });
    });
  });
}

const sessions = Number(values.sessions);
const frames = Number(values.frames);
for (const c of values.cases.split(',')) {
  const [p, audio, te] = c.split(':');
  const base = ['--path', p!, '--audio', audio ?? 'silence', '--sessions', String(sessions), '--warm', values.warm, ...(te === 'no-te' ? ['--no-te'] : [])];
  const [a, b] = await Promise.all([callgrind([...base, '--frames', String(frames)]), callgrind([...base, '--frames', String(2 * frames)])]);
  const perFrame = (b.instructions - a.instructions) / (frames * sessions);
  console.log(JSON.stringify({ bench: 'instructions', case: c, sessions, frames, instructions_per_frame: Math.round(perFrame), runs: [a.instructions, b.instructions], keys: b.line['keys'] }));
}
