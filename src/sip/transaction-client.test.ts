import { describe, expect, it, vi } from 'vitest';
import { SipError } from './errors.js';
import { SipRequest } from './message.js';
import { recordingEnv, request, response } from './transaction-test-kit.js';
import { InviteClientTransaction, NonInviteClientTransaction } from './transaction-client.js';

const sentTimes = (env: ReturnType<typeof recordingEnv>, method: string): number[] =>
  env.sent.filter((s) => s.msg instanceof SipRequest && s.msg.method === method).map((s) => s.at);

describe('INVITE client transaction (§17.1.1)', () => {
  it('retransmits on Timer A (T1 doubling) over UDP until Timer B ends it as a timeout', () => {
    const env = recordingEnv(false);
    const onTimeout = vi.fn();
    const tx = new InviteClientTransaction(request('INVITE'), env, { onTimeout });
    tx.start();
    expect(tx.state).toBe('Calling');
    env.clock.advance(32_000);
    expect(sentTimes(env, 'INVITE')).toEqual([0, 500, 1500, 3500, 7500, 15500, 31500]);
    expect(onTimeout).toHaveBeenCalledOnce();
    expect(tx.state).toBe('Terminated');
    expect(env.terminatedCount).toBe(1);
    expect(env.clock.pendingTimers()).toBe(0);
  });

  it('never retransmits over TCP, and still times out on Timer B', () => {
    const env = recordingEnv(true);
    const onTimeout = vi.fn();
    new InviteClientTransaction(request('INVITE'), env, { onTimeout }).start();
    env.clock.advance(31_999);
    expect(onTimeout).not.toHaveBeenCalled();
    env.clock.advance(1);
    expect(sentTimes(env, 'INVITE')).toEqual([0]);
    expect(onTimeout).toHaveBeenCalledOnce();
  });

  it('stops retransmitting on a provisional and waits in Proceeding past Timer B', () => {
    const env = recordingEnv(false);
    const onProvisional = vi.fn();
    const onTimeout = vi.fn();
    const req = request('INVITE');
    const tx = new InviteClientTransaction(req, env, { onProvisional, onTimeout });
    tx.start();
    env.clock.advance(600);
    tx.receive(response(req, 180));
    expect(tx.state).toBe('Proceeding');
    env.clock.advance(60_000);
    expect(sentTimes(env, 'INVITE')).toEqual([0, 500]);
    expect(onProvisional).toHaveBeenCalledOnce();
    expect(onTimeout).not.toHaveBeenCalled();
  });

  it('ACKs a failure itself, re-ACKs its retransmission, and ends on Timer D', () => {
    const env = recordingEnv(false);
    const onFinal = vi.fn();
    const req = request('INVITE');
    const tx = new InviteClientTransaction(req, env, { onFinal });
    tx.start();
    const busy = response(req, 486);
    tx.receive(busy);
    expect(tx.state).toBe('Completed');
    expect(onFinal).toHaveBeenCalledWith(busy);
    const ack = env.sent.at(-1)?.msg as SipRequest;
    expect(ack.method).toBe('ACK');
    expect(ack.cseq).toEqual({ seq: 7, method: 'ACK' });
    expect(ack.get('Via')).toBe(req.get('Via'));
    expect(ack.get('To')).toBe(busy.get('To'));
    tx.receive(busy);
    expect(sentTimes(env, 'ACK')).toHaveLength(2);
    expect(onFinal).toHaveBeenCalledOnce();
    env.clock.advance(31_999);
    expect(tx.state).toBe('Completed');
    env.clock.advance(1);
    expect(tx.state).toBe('Terminated');
  });

  it('ends at once after a failure over TCP (Timer D = 0)', () => {
    const env = recordingEnv(true);
    const req = request('INVITE');
    const tx = new InviteClientTransaction(req, env, {});
    tx.start();
    tx.receive(response(req, 503));
    expect(tx.state).toBe('Terminated');
    expect(sentTimes(env, 'ACK')).toHaveLength(1);
  });

  it('passes every 2xx up while Accepted (RFC 6026), then ends on Timer M', () => {
    const env = recordingEnv(false);
    const onFinal = vi.fn();
    const req = request('INVITE');
    const tx = new InviteClientTransaction(req, env, { onFinal });
    tx.start();
    tx.receive(response(req, 200));
    expect(tx.state).toBe('Accepted');
    env.clock.advance(1000);
    tx.receive(response(req, 200));
    expect(onFinal).toHaveBeenCalledTimes(2);
    expect(sentTimes(env, 'ACK')).toEqual([]); // the TU ACKs a 2xx
    expect(sentTimes(env, 'INVITE')).toEqual([0]);
    env.clock.advance(31_000);
    expect(tx.state).toBe('Terminated');
  });

  it('reports a transport failure and terminates (§17.1.4)', () => {
    const env = recordingEnv(false);
    const onTransportError = vi.fn();
    const tx = new InviteClientTransaction(request('INVITE'), env, { onTransportError });
    tx.start();
    tx.transportError(new Error('ECONNREFUSED'));
    expect(onTransportError.mock.calls[0]?.[0]).toBeInstanceOf(SipError);
    expect(tx.state).toBe('Terminated');
    expect(env.clock.pendingTimers()).toBe(0);
  });
});

describe('non-INVITE client transaction (§17.1.2)', () => {
  it('retransmits on Timer E (doubling, capped at T2) until Timer F', () => {
    const env = recordingEnv(false);
    const onTimeout = vi.fn();
    const tx = new NonInviteClientTransaction(request('BYE'), env, { onTimeout });
    tx.start();
    env.clock.advance(32_000);
    expect(sentTimes(env, 'BYE')).toEqual([0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    expect(onTimeout).toHaveBeenCalledOnce();
    expect(tx.state).toBe('Terminated');
  });

  it('retransmits every T2 once Proceeding', () => {
    const env = recordingEnv(false);
    const req = request('OPTIONS');
    const tx = new NonInviteClientTransaction(req, env, {});
    tx.start();
    env.clock.advance(600);
    tx.receive(response(req, 100));
    expect(tx.state).toBe('Proceeding');
    env.clock.advance(9000);
    expect(sentTimes(env, 'OPTIONS')).toEqual([0, 500, 1500, 5500, 9500]);
  });

  it('sends once over TCP', () => {
    const env = recordingEnv(true);
    const onTimeout = vi.fn();
    new NonInviteClientTransaction(request('BYE'), env, { onTimeout }).start();
    env.clock.advance(32_000);
    expect(sentTimes(env, 'BYE')).toEqual([0]);
    expect(onTimeout).toHaveBeenCalledOnce();
  });

  it('completes on a final response, absorbs retransmissions, and ends on Timer K (T4)', () => {
    const env = recordingEnv(false);
    const onFinal = vi.fn();
    const req = request('BYE');
    const tx = new NonInviteClientTransaction(req, env, { onFinal });
    tx.start();
    tx.receive(response(req, 200));
    tx.receive(response(req, 200));
    expect(onFinal).toHaveBeenCalledOnce();
    expect(tx.state).toBe('Completed');
    env.clock.advance(4999);
    expect(tx.state).toBe('Completed');
    env.clock.advance(1);
    expect(tx.state).toBe('Terminated');
    expect(sentTimes(env, 'BYE')).toEqual([0]);
  });

  it('ends at once on TCP after the final response (Timer K = 0)', () => {
    const env = recordingEnv(true);
    const req = request('BYE');
    const tx = new NonInviteClientTransaction(req, env, {});
    tx.start();
    tx.receive(response(req, 481));
    expect(tx.state).toBe('Terminated');
  });
});

describe('nothing a client transaction does throws from its timers', () => {
  it('a retransmission on Timer A that throws ends the transaction as a transport error', () => {
    const env = recordingEnv(false);
    const onTransportError = vi.fn();
    const tx = new InviteClientTransaction(request('INVITE'), env, { onTransportError });
    tx.start();
    env.send = () => {
      throw new Error('cannot write');
    };
    expect(() => env.clock.advance(500)).not.toThrow();
    expect(onTransportError).toHaveBeenCalledOnce();
    expect((onTransportError.mock.calls[0]?.[0] as SipError).message).toBe('cannot write');
    expect(tx.state).toBe('Terminated');
    expect(env.clock.pendingTimers()).toBe(0);
  });

  it('a TU handler that throws on Timer F is logged; the transaction still ends', () => {
    const env = recordingEnv(false);
    const tx = new NonInviteClientTransaction(request('BYE'), env, {
      onTimeout: () => {
        throw new Error('TU bug');
      },
    });
    tx.start();
    expect(() => env.clock.advance(32_000)).not.toThrow();
    expect(tx.state).toBe('Terminated');
    expect(env.terminatedCount).toBe(1);
  });
});
