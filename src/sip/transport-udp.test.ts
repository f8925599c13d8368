import { createSocket } from 'node:dgram';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { SipMessage } from './message.js';
import type { Transport } from './transport.js';
import { createUdpTransport } from './transport-udp.js';

const OPTIONS = (n: number): Buffer =>
  Buffer.from(
    `OPTIONS sip:hookline@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK-${n}\r\nFrom: <sip:a@127.0.0.1>;tag=${n}\r\n` +
      `To: <sip:hookline@127.0.0.1>\r\nCall-ID: ${n}@test\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`,
  );

describe('UDP transport: the receive queue', () => {
  const open: Transport[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((t) => t.close()));
  });
  const start = async (receiveBuffer: number | undefined, received: SipMessage[] = []): Promise<{ t: Transport; lines: Array<{ msg: string }> }> => {
    const lines: Array<{ msg: string }> = [];
    const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as { msg: string }) });
    const t = await createUdpTransport({ host: '127.0.0.1', port: 0, logger, onMessage: (m) => received.push(m), ...(receiveBuffer !== undefined ? { receiveBuffer } : {}) });
    open.push(t);
    return { t, lines };
  };

  it('gets the receive buffer asked for, and says nothing', async () => {
    const { t, lines } = await start(65_536);
    expect(t.receiveQueue?.bytes).toBeGreaterThanOrEqual(65_536);
    expect(lines).toEqual([]);
  });

  it('says when the kernel grants less than asked, naming the setting and the sysctl that caps it', async () => {
    const { t, lines } = await start(1 << 30); // beyond any net.core.rmem_max a test machine has
    expect(t.receiveQueue?.bytes).toBeLessThan(1 << 30);
    expect(lines).toHaveLength(1);
    expect(lines[0]!.msg).toContain('HOOKLINE_SIP_UDP_BUFFER');
    expect(lines[0]!.msg).toContain(`sysctl -w net.core.rmem_max=${1 << 30}`);
  });

  it('leaves the system default alone when asked for 0', async () => {
    const probe = createSocket('udp4');
    await new Promise<void>((resolve) => probe.bind(0, '127.0.0.1', resolve));
    const systemDefault = probe.getRecvBufferSize();
    probe.close();
    const { t, lines } = await start(0);
    expect(t.receiveQueue?.bytes).toBe(systemDefault);
    expect(lines).toEqual([]);
  });

  it.runIf(process.platform === 'linux')('counts the messages the kernel dropped while the queue was full, and reads the rest', async () => {
    const received: SipMessage[] = [];
    const { t } = await start(4096, received); // the kernel's floor: a few datagrams
    expect(await t.receiveQueue!.drops()).toBe(0);
    const sender = createSocket('udp4');
    await new Promise<void>((resolve) => sender.bind(0, '127.0.0.1', resolve));
    // Sent before the loop polls the transport's socket: its queue overflows.
    await Promise.all(Array.from({ length: 100 }, (_, i) => new Promise<void>((resolve) => sender.send(OPTIONS(i), t.port, '127.0.0.1', () => resolve()))));
    sender.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const drops = (await t.receiveQueue!.drops())!;
    expect(received.length).toBeGreaterThan(0);
    expect(drops).toBeGreaterThan(0);
    expect(received.length + drops).toBe(100);
  });
});
