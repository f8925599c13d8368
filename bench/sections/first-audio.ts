/**
 * Section 4: time to first audio after a webhook answers. One call at a time to ivr/30 ("Hello.", then
 * its webhook) from a raw UDP caller (lib/sip-uac.ts); the webhook answers "run ivr/31 with code=<word>",
 * and ivr/31 says "Your code is @code.". Measured from the moment the receiver hands its response to the
 * socket to the arrival at the caller of the first RTP packet of that prompt (the first non-silent frame
 * after it), both on this process's clock.
 * cold: <word> is new (random syllables), so the prompt is synthesized while the caller waits;
 * warm: the next call gets the same word, and the prompt comes from the cache.
 */
import { randomInt } from 'node:crypto';
import { WebhookReceiver } from '../../src/testkit/webhook-receiver.js';
import { NUMBERS, benchFlows } from '../lib/flows.js';
import { RawUac } from '../lib/sip-uac.js';
import { errorLogs, startServer } from '../lib/server.js';
import { quantiles, type Quantiles } from '../lib/stats.js';
import { RTP_RANGE, type Ctx } from './concurrency.js';

export interface FirstAudioResult {
  calls_per_kind: number;
  cold_ms: Quantiles;
  warm_ms: Quantiles;
  failures: string[];
}

const ULAW_SILENCE = 0xff;

function word(): string {
  const c = 'bdfgklmnprstvz';
  const v = 'aeiou';
  let w = '';
  for (let i = 0; i < 3; i++) w += (c[randomInt(c.length)] as string) + (v[randomInt(v.length)] as string);
  return w;
}

export async function firstAudio(ctx: Ctx, pairs: number): Promise<FirstAudioResult> {
  let respondedAt = 0;
  let pending: string | undefined;
  const receiver = new WebhookReceiver(() => {
    const body = `<action><app>SurVo</app><parameters><id>31</id><user_parameters><code>${pending ?? 'none'}</code></user_parameters></parameters></action>`;
    respondedAt = performance.now(); // WebhookReceiver writes the response right after the handler returns
    return { body };
  });
  const hookBase = (await receiver.start()).replace(/\/$/, '');
  const server = await startServer(benchFlows(hookBase), { rtp: RTP_RANGE, cores: ctx.pin.server });
  const uac = await RawUac.open();
  const cold: number[] = [];
  const warm: number[] = [];
  const failures: string[] = [];
  try {
    for (let i = 0; i < pairs * 2; i++) {
      if (i % 2 === 0) pending = word();
      respondedAt = 0;
      let maxSeqBefore = -1;
      let first = 0;
      let gotFirst!: () => void;
      const firstAudio = new Promise<void>((r) => (gotFirst = r));
      uac.onRtp = (a) => {
        if (a.pt !== 0 || first) return;
        if (!respondedAt) {
          maxSeqBefore = a.seq;
          return;
        }
        if (a.seq === maxSeqBefore || ((a.seq - maxSeqBefore) & 0xffff) > 0x8000) return;
        if (a.payload.some((b) => b !== ULAW_SILENCE)) {
          first = a.at;
          gotFirst();
        }
      };
      try {
        const call = await uac.call({ port: server.sipPort, number: NUMBERS.firstAudio, caller: String(3_300_000_000 + i) });
        const ok = await Promise.race([firstAudio.then(() => true), call.ended.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(false), 15_000))]);
        await call.hangup();
        if (!ok) {
          failures.push(`call ${i}: no prompt after the webhook answered${respondedAt ? '' : ' (no webhook arrived)'}`);
          continue;
        }
        (i % 2 === 0 ? cold : warm).push(first - respondedAt);
      } catch (err) {
        failures.push(`call ${i}: ${(err as Error).message}`);
      }
    }
    const errors = errorLogs(server.output());
    if (errors.length) ctx.log(`  server error logs (${errors.length}), first: ${errors[0]}`);
  } finally {
    uac.close();
    await server.stop();
    await receiver.stop();
  }
  return { calls_per_kind: pairs, cold_ms: quantiles(cold), warm_ms: quantiles(warm), failures };
}
