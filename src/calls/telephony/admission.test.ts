import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock, systemClock } from '../../lib/clock.js';
import { silentLogger, type Logger } from '../../lib/logger.js';
import { Pacer } from '../../media/pacer.js';
import { createOffer } from '../../sdp/index.js';
import { createRequest, createSipEndpoint, type InviteServerTransaction, type SipEndpoint, type SipResponse } from '../../sip/index.js';
import { CallAdmission } from './admission.js';
import type { PromptRenderer } from './renderer.js';
import { TelephonyServer } from './server.js';
import type { TelephonyCall } from './call.js';

/** A transaction that records what it was answered. */
function fakeTx() {
  const answers: Array<{ status: number; retryAfter: unknown }> = [];
  const tx = {
    respond: (status: number, _reason?: string, o?: { headers?: Record<string, unknown> }) => void answers.push({ status, retryAfter: o?.headers?.['Retry-After'] }),
  } as unknown as InviteServerTransaction;
  return { tx, answers };
}

function recordingLogger() {
  const warnings: Array<{ obj: Record<string, unknown>; msg: string }> = [];
  const logger = { warn: (obj: Record<string, unknown>, msg: string) => void warnings.push({ obj, msg }) } as unknown as Logger;
  return { logger, warnings };
}

describe('CallAdmission', () => {
  it('admits up to HOOKLINE_MAX_CALLS, answers 503 with Retry-After beyond, and frees a place once per call', () => {
    const a = new CallAdmission({ clock: new FakeClock(), logger: recordingLogger().logger, maxCalls: 2 });
    const first = a.admit(fakeTx().tx);
    const second = a.admit(fakeTx().tx);
    const refused = fakeTx();
    expect(a.admit(refused.tx)).toBeUndefined();
    expect(refused.answers).toEqual([{ status: 503, retryAfter: 5 }]);
    expect(a.calls).toBe(2);

    first!();
    first!(); // a second release of the same call frees nothing more
    expect(a.calls).toBe(1);
    expect(a.admit(fakeTx().tx)).toBeDefined();
    expect(a.admit(fakeTx().tx)).toBeUndefined();
    second!();
    expect(a.calls).toBe(1);
    expect(a.refusals()).toEqual([{ reason: 'max_calls', count: 2 }]);
  });

  it('gives places to calls placed through the API from the same count, and says why there is none', () => {
    const { logger, warnings } = recordingLogger();
    const a = new CallAdmission({ clock: new FakeClock(), logger, maxCalls: 2 });
    const incoming = a.admit(fakeTx().tx);
    const placed = a.acquire();
    expect('release' in placed).toBe(true);
    const refusedInvite = fakeTx();
    expect(a.admit(refusedInvite.tx)).toBeUndefined(); // the placed call holds the second place
    expect(a.acquire()).toEqual({ refusal: 'max_calls', retryAfterS: 5 });
    expect(warnings.map((w) => w.msg)).toEqual([expect.stringContaining('call limit reached (HOOKLINE_MAX_CALLS=2)')]);
    if ('release' in placed) {
      placed.release();
      placed.release();
    }
    expect(a.calls).toBe(1);
    expect('release' in a.acquire()).toBe(true);
    incoming!();
    expect(a.calls).toBe(1);
    expect(a.refusals()).toEqual([{ reason: 'max_calls', count: 2 }]);
  });

  it('has no limit with 0 or none, and still counts', () => {
    const a = new CallAdmission({ clock: new FakeClock(), logger: silentLogger, maxCalls: 0 });
    for (let i = 0; i < 1000; i++) expect(a.admit(fakeTx().tx)).toBeDefined();
    expect(a.calls).toBe(1000);
  });

  it('refuses while draining (its own Retry-After) and while the database is away, ahead of the limit', () => {
    let reachable = false;
    const a = new CallAdmission({ clock: new FakeClock(), logger: silentLogger, maxCalls: 1, admitting: () => reachable });
    const away = fakeTx();
    expect(a.admit(away.tx)).toBeUndefined();
    reachable = true;
    expect(a.admit(fakeTx().tx)).toBeDefined();
    a.refuseNewCalls(30);
    const draining = fakeTx();
    expect(a.admit(draining.tx)).toBeUndefined();
    expect([away.answers, draining.answers]).toEqual([[{ status: 503, retryAfter: 5 }], [{ status: 503, retryAfter: 30 }]]);
    expect(a.refusals()).toEqual([{ reason: 'database', count: 1 }, { reason: 'draining', count: 1 }]);
  });

  it('refuses while the audio of the calls in progress runs later than HOOKLINE_OVERLOAD_LATE_MS, and takes calls again once it is on time', () => {
    const { logger, warnings } = recordingLogger();
    let lateMs = 3;
    const a = new CallAdmission({ clock: new FakeClock(), logger, overloadLateMs: 40, lateness: () => lateMs });
    expect(a.admit(fakeTx().tx)).toBeDefined();
    lateMs = 55;
    const refused = fakeTx();
    expect(a.admit(refused.tx)).toBeUndefined();
    expect(refused.answers).toEqual([{ status: 503, retryAfter: 5 }]);
    expect(warnings.map((w) => w.msg)).toEqual(['overloaded: the media clock ran 55 ms late (HOOKLINE_OVERLOAD_LATE_MS=40); new calls are answered 503 until it is on time again']);
    lateMs = 40; // at the limit is not over it
    expect(a.admit(fakeTx().tx)).toBeDefined();
    expect(a.refusals()).toEqual([{ reason: 'overload', count: 1 }]);
    // Off by default, however late.
    lateMs = 500;
    expect(new CallAdmission({ clock: new FakeClock(), logger, lateness: () => lateMs }).admit(fakeTx().tx)).toBeDefined();
  });

  it('says in the log that the limit is reached at most once every 10 s, with the refusals since', () => {
    const clock = new FakeClock();
    const { logger, warnings } = recordingLogger();
    const a = new CallAdmission({ clock, logger, maxCalls: 1 });
    a.admit(fakeTx().tx);
    for (let i = 0; i < 5; i++) a.admit(fakeTx().tx);
    expect(warnings).toHaveLength(1);
    clock.advance(10_000);
    a.admit(fakeTx().tx);
    expect(warnings.map((w) => w.obj['refused'])).toEqual([1, 5]);
    expect(warnings[0]!.msg).toBe('call limit reached (HOOKLINE_MAX_CALLS=1): new calls are answered 503 until calls in progress end');
  });
});

describe('HOOKLINE_MAX_CALLS on a TelephonyServer (SIP on 127.0.0.1)', () => {
  let cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanup.reverse()) await c();
    cleanup = [];
  });

  async function setup(maxCalls: number) {
    const calls: TelephonyCall[] = [];
    const pacer = new Pacer();
    const server = await TelephonyServer.start({
      host: '127.0.0.1', sipPort: 0, rtpPorts: { min: 17800, max: 17899 }, clock: systemClock, logger: silentLogger, pacer,
      renderer: {} as PromptRenderer, maxCalls,
      onCall: (call) => {
        calls.push(call);
        void call.answer();
      },
    });
    // The caller: our own SIP stack, which takes the server's BYE.
    const caller: SipEndpoint = await createSipEndpoint({
      host: '127.0.0.1', udpPort: 0, onAck: () => undefined,
      onRequest: (_req, tx) => void tx.respond(200),
    });
    cleanup.push(async () => {
      await server.close();
      await caller.close();
      pacer.close();
    });
    const port = server.port('UDP');
    /** One INVITE (with an offer, or with `body` as it is); resolves with its final response, ACKed when 2xx. */
    const invite = (body = createOffer({ address: '127.0.0.1', port: 17998 }).sdp): Promise<SipResponse> =>
      new Promise((resolve, reject) => {
        const req = createRequest({ method: 'INVITE', uri: `sip:8005550100@127.0.0.1:${port}`, from: '<sip:3125550199@127.0.0.1>', to: '<sip:8005550100@127.0.0.1>', body, contentType: 'application/sdp' });
        caller.sendRequest(req, { transport: 'UDP', address: '127.0.0.1', port }, {
          onFinal: (res) => {
            if (res.status === 200) {
              const ack = createRequest({ method: 'ACK', uri: `sip:127.0.0.1:${port}`, from: req.get('From')!, to: res.get('To')!, callId: req.callId, cseq: req.cseq.seq });
              void caller.sendAck(ack, { transport: 'UDP', address: '127.0.0.1', port });
            }
            resolve(res);
          },
          onTimeout: () => reject(new Error('no final response')),
        });
      });
    /** An OPTIONS probe, as Kamailio's dispatcher sends it; resolves with its final response. */
    const probe = (): Promise<SipResponse> =>
      new Promise((resolve, reject) => {
        const req = createRequest({ method: 'OPTIONS', uri: `sip:127.0.0.1:${port}`, from: '<sip:edge@127.0.0.1>', to: `<sip:127.0.0.1:${port}>` });
        caller.sendRequest(req, { transport: 'UDP', address: '127.0.0.1', port }, { onFinal: resolve, onTimeout: () => reject(new Error('no answer to OPTIONS')) });
      });
    return { server, calls, invite, probe };
  }

  it('answers the call over the limit 503 with Retry-After 5 and takes calls again once one has ended; OPTIONS probes say so too', async () => {
    const s = await setup(1);
    expect((await s.probe()).status).toBe(200);
    expect((await s.invite()).status).toBe(200);
    const full = await s.probe(); // a dispatcher takes the node out of its rotation
    expect([full.status, full.get('Retry-After')]).toEqual([503, '5']);
    const over = await s.invite();
    expect([over.status, over.get('Retry-After')]).toEqual([503, '5']);
    expect(s.calls).toHaveLength(1);
    expect(s.server.admission.refusals()).toEqual([{ reason: 'max_calls', count: 1 }]);

    await s.calls[0]!.hangup();
    await s.calls[0]!.ended;
    await new Promise((r) => setImmediate(r)); // the release runs on the promise after `ended`
    expect(s.server.admission.calls).toBe(0);
    expect((await s.probe()).status).toBe(200);
    expect((await s.invite()).status).toBe(200);
    expect(s.calls).toHaveLength(2);
    expect(s.server.admission.refusals()).toEqual([{ reason: 'max_calls', count: 1 }]); // probes refuse nothing
  });

  it('counts a call refused during set-up (488) only until its answer', async () => {
    const s = await setup(1);
    const refused = await s.invite('v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 17998 RTP/AVP 18\r\n');
    expect(refused.status).toBe(488);
    await new Promise((r) => setImmediate(r));
    expect(s.server.admission.calls).toBe(0);
    expect((await s.invite()).status).toBe(200);
  });

  it('admits a burst of INVITEs only up to the limit, although none has reached the flow yet', async () => {
    const s = await setup(3);
    const answers = await Promise.all(Array.from({ length: 8 }, () => s.invite()));
    expect(answers.map((r) => r.status).sort()).toEqual([200, 200, 200, 503, 503, 503, 503, 503]);
    expect(s.server.admission.calls).toBe(3);
  });
});
