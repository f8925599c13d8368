import { describe, expect, it, vi } from 'vitest';
import { FakeClock } from '../lib/clock.js';
import { SipError } from './errors.js';
import { tagOf } from './header-values.js';
import { SipRequest, SipResponse } from './message.js';
import { Retransmitter2xx } from './retransmit-2xx.js';
import { DEFAULT_TIMERS, TRYING_DELAY_MS } from './timers.js';
import { recordingEnv, request } from './transaction-test-kit.js';
import { InviteServerTransaction, NonInviteServerTransaction, type ServerTransactionEnv } from './transaction-server.js';

const source = { transport: 'UDP' as const, address: '192.0.2.1', port: 5060 };

function serverEnv(reliable: boolean): ServerTransactionEnv & ReturnType<typeof recordingEnv> {
  return Object.assign(recordingEnv(reliable), { toTag: 'uastag' });
}

const statusTimes = (env: ReturnType<typeof serverEnv>, status: number): number[] =>
  env.sent.filter((s) => s.msg instanceof SipResponse && s.msg.status === status).map((s) => s.at);

describe('INVITE server transaction (§17.2.1)', () => {
  it('says 100 Trying after 200 ms when the TU is silent', () => {
    const env = serverEnv(false);
    const tx = new InviteServerTransaction(request('INVITE'), source, env);
    tx.start();
    env.clock.advance(199);
    expect(env.sent).toHaveLength(0);
    env.clock.advance(1);
    expect(statusTimes(env, 100)).toEqual([200]);
    const trying = env.sent[0]?.msg as SipResponse;
    expect(tagOf(trying.to)).toBeUndefined(); // §8.2.6.1: 100 needs no tag
  });

  it('does not say 100 Trying when the TU answers in time, and repeats its provisional on a retransmitted INVITE', () => {
    const env = serverEnv(false);
    const req = request('INVITE');
    const tx = new InviteServerTransaction(req, source, env);
    tx.start();
    env.clock.advance(50);
    const ringing = tx.respond(180)!;
    expect(tagOf(ringing.to)).toBe('uastag');
    env.clock.advance(500);
    tx.receiveRequest(req);
    expect(statusTimes(env, 100)).toEqual([]);
    expect(statusTimes(env, 180)).toEqual([50, 550]);
  });

  it('retransmits a failure on Timer G (doubling to T2) over UDP until Timer H, then reports the missing ACK', () => {
    const env = serverEnv(false);
    const tx = new InviteServerTransaction(request('INVITE'), source, env);
    const onFailure = vi.fn();
    tx.onFailure(onFailure);
    tx.start();
    tx.respond(486);
    expect(tx.state).toBe('Completed');
    env.clock.advance(32_000);
    expect(statusTimes(env, 486)).toEqual([0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    expect(onFailure.mock.calls[0]?.[0]).toBeInstanceOf(SipError);
    expect((onFailure.mock.calls[0]?.[0] as SipError).code).toBe('SIP_TIMEOUT');
    expect(tx.state).toBe('Terminated');
  });

  it('does not retransmit over TCP', () => {
    const env = serverEnv(true);
    const tx = new InviteServerTransaction(request('INVITE'), source, env);
    tx.start();
    tx.respond(603);
    env.clock.advance(32_000);
    expect(statusTimes(env, 603)).toEqual([0]);
    expect(tx.state).toBe('Terminated');
  });

  it('is Confirmed by the ACK, absorbs further ACKs, and ends on Timer I (T4)', () => {
    const env = serverEnv(false);
    const req = request('INVITE');
    const tx = new InviteServerTransaction(req, source, env);
    tx.start();
    tx.respond(404);
    env.clock.advance(600);
    const ack = new SipRequest('ACK', req.uri, req.headers);
    tx.receiveRequest(ack);
    expect(tx.state).toBe('Confirmed');
    tx.receiveRequest(ack);
    tx.receiveRequest(req); // a late INVITE retransmission is absorbed too
    env.clock.advance(4999);
    expect(tx.state).toBe('Confirmed');
    env.clock.advance(1);
    expect(tx.state).toBe('Terminated');
    expect(statusTimes(env, 404)).toEqual([0, 500]);
  });

  it('ends at once when the ACK comes over TCP (Timer I = 0)', () => {
    const env = serverEnv(true);
    const req = request('INVITE');
    const tx = new InviteServerTransaction(req, source, env);
    tx.respond(480);
    tx.receiveRequest(new SipRequest('ACK', req.uri, req.headers));
    expect(tx.state).toBe('Terminated');
  });

  it('goes Accepted on 2xx (RFC 6026): hands the 2xx to the core, absorbs INVITE retransmissions, ends on Timer L', () => {
    const sent2xx = vi.fn();
    const env = Object.assign(serverEnv(false), { sent2xx });
    const req = request('INVITE');
    const tx = new InviteServerTransaction(req, source, env);
    tx.start();
    const ok = tx.respond(200, 'OK', { body: 'v=0\r\n' })!;
    expect(tx.state).toBe('Accepted');
    expect(sent2xx).toHaveBeenCalledWith(ok);
    tx.receiveRequest(req);
    expect(statusTimes(env, 200)).toEqual([0]);
    tx.sendResponse(ok); // a retransmission from the core goes through
    expect(statusTimes(env, 200)).toEqual([0, 0]);
    env.clock.advance(32_000);
    expect(tx.state).toBe('Terminated');
  });

  it('refuses a second final response without throwing: nothing goes out', () => {
    const env = serverEnv(false);
    const tx = new InviteServerTransaction(request('INVITE'), source, env);
    expect(tx.respond(486)?.status).toBe(486);
    expect(tx.respond(200)).toBeUndefined();
    expect(env.sent.map((s) => (s.msg as SipResponse).status)).toEqual([486]);
    expect(tx.state).toBe('Completed');
  });

  it('answers 487 on cancel and tells the TU once', () => {
    const env = serverEnv(false);
    const tx = new InviteServerTransaction(request('INVITE'), source, env);
    const onCancel = vi.fn();
    tx.onCancel(onCancel);
    expect(tx.cancel(request('CANCEL'))).toBe(true);
    expect(tx.cancel(request('CANCEL'))).toBe(false);
    expect(statusTimes(env, 487)).toEqual([0]);
    expect(onCancel).toHaveBeenCalledOnce();
    expect(tx.cancelled).toBe(true);
  });
});

describe('non-INVITE server transaction (§17.2.2)', () => {
  it('absorbs retransmissions while Trying, repeats the provisional, then the final, and ends on Timer J', () => {
    const env = serverEnv(false);
    const req = request('BYE');
    const tx = new NonInviteServerTransaction(req, source, env);
    tx.receiveRequest(req);
    expect(env.sent).toHaveLength(0);
    tx.respond(100);
    expect(tx.state).toBe('Proceeding');
    tx.receiveRequest(req);
    tx.respond(200);
    expect(tx.state).toBe('Completed');
    tx.receiveRequest(req);
    expect(env.sent.map((s) => (s.msg as SipResponse).status)).toEqual([100, 100, 200, 200]);
    env.clock.advance(31_999);
    expect(tx.state).toBe('Completed');
    env.clock.advance(1);
    expect(tx.state).toBe('Terminated');
  });

  it('ends at once over TCP (Timer J = 0)', () => {
    const env = serverEnv(true);
    const tx = new NonInviteServerTransaction(request('INFO'), source, env);
    tx.respond(200);
    expect(tx.state).toBe('Terminated');
  });
});

describe('2xx retransmission (§13.3.1.4)', () => {
  it('retransmits at T1 doubling to T2 and gives up after 64*T1', () => {
    const clock = new FakeClock(0);
    const times: number[] = [];
    const onGiveUp = vi.fn();
    const r = new Retransmitter2xx({ clock, timers: DEFAULT_TIMERS, send: () => times.push(clock.now()), onGiveUp });
    r.start();
    clock.advance(32_000);
    expect(times).toEqual([500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    expect(r.retransmissions).toBe(10);
    expect(onGiveUp).toHaveBeenCalledOnce();
    expect(r.running).toBe(false);
  });

  it('stops when the ACK arrives', () => {
    const clock = new FakeClock(0);
    const send = vi.fn();
    const onGiveUp = vi.fn();
    const r = new Retransmitter2xx({ clock, timers: DEFAULT_TIMERS, send, onGiveUp });
    r.start();
    clock.advance(1600);
    r.stop();
    clock.advance(60_000);
    expect(send).toHaveBeenCalledTimes(2);
    expect(onGiveUp).not.toHaveBeenCalled();
    expect(clock.pendingTimers()).toBe(0);
  });
});

describe('nothing a server transaction does throws, from the TU or from its timers', () => {
  it('replaces a final response that cannot be written by a bare 500, and the 100 Trying timer is gone with it', () => {
    const env = serverEnv(false);
    const tx = new InviteServerTransaction(request('INVITE'), source, env);
    tx.start();
    const sent = tx.respond(200, 'OK', { headers: { Subject: 'smuggled\r\nX-Evil: 1' } });
    expect(sent?.status).toBe(500);
    expect(tx.state).toBe('Completed');
    expect(() => env.clock.advance(600)).not.toThrow();
    expect(statusTimes(env, 100)).toEqual([]);
    expect(statusTimes(env, 500)).toEqual([0, 500]);
  });

  it('skips a provisional response that cannot be written and keeps waiting for the final one', () => {
    const env = serverEnv(false);
    const tx = new InviteServerTransaction(request('INVITE'), source, env);
    tx.start();
    expect(tx.respond(180, 'Ring\x00ing')).toBeUndefined();
    expect(tx.state).toBe('Proceeding');
    env.clock.advance(200);
    expect(statusTimes(env, 100)).toEqual([200]); // the TU said nothing that went out
    expect(tx.respond(486)?.status).toBe(486);
  });

  it('a send that throws from Timer G is a transport error: the TU is told, the transaction ends, the timer does not throw', () => {
    const env = serverEnv(false);
    const tx = new InviteServerTransaction(request('INVITE'), source, env);
    const failures: SipError[] = [];
    tx.onFailure((e) => failures.push(e));
    tx.respond(486);
    env.send = () => {
      throw new Error('socket gone');
    };
    expect(() => env.clock.advance(500)).not.toThrow();
    expect(failures.map((e) => e.message)).toEqual(['socket gone']);
    expect(tx.state).toBe('Terminated');
    expect(env.clock.pendingTimers()).toBe(0);
  });

  it('a failure listener that throws on Timer H is logged, and the transaction still ends', () => {
    const env = serverEnv(false);
    const tx = new InviteServerTransaction(request('INVITE'), source, env);
    tx.onFailure(() => {
      throw new Error('TU bug');
    });
    tx.respond(486);
    expect(() => env.clock.advance(32_000)).not.toThrow();
    expect(tx.state).toBe('Terminated');
  });

  it('leaving Proceeding stops the 100 Trying timer whatever the response', () => {
    for (const status of [200, 486]) {
      const env = serverEnv(true);
      const tx = new InviteServerTransaction(request('INVITE'), source, env);
      tx.start();
      tx.respond(status);
      env.clock.advance(TRYING_DELAY_MS);
      expect(statusTimes(env, 100)).toEqual([]);
    }
  });
});
