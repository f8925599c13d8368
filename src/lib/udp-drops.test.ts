import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { dropsOf, procLocalAddress, udpReceiveDrops } from './udp-drops.js';

const UDP = `   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
  130: 0100007F:13C4 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 1001 2 0000000000000000 17
  131: 00000000:13C4 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 1002 2 0000000000000000 5
  132: 0100007F:13C5 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 1003 2 0000000000000000 0
  133: 0100007F:2000 0100007F:13C4 01 00000000:00000000 00:00000000 00000000     0        0 1004 2 0000000000000000 99
`;

describe('procLocalAddress', () => {
  it('writes IPv4 as the host stores the word', () => {
    expect(procLocalAddress('127.0.0.1', 5060, 'LE')).toBe('0100007F:13C4');
    expect(procLocalAddress('127.0.0.1', 5060, 'BE')).toBe('7F000001:13C4');
    expect(procLocalAddress('0.0.0.0', 80, 'LE')).toBe('00000000:0050');
  });

  it('writes IPv6 word by word, :: and a dotted tail expanded', () => {
    expect(procLocalAddress('::1', 5060, 'LE')).toBe('00000000000000000000000001000000:13C4');
    expect(procLocalAddress('::', 5060, 'LE')).toBe(`${'0'.repeat(32)}:13C4`);
    expect(procLocalAddress('2001:db8::ff00:42:8329', 1, 'BE')).toBe('20010DB8000000000000FF0000428329:0001');
    expect(procLocalAddress('::ffff:127.0.0.1', 1, 'LE')).toBe('0000000000000000FFFF00000100007F:0001');
    expect(procLocalAddress('fe80::1%eth0', 1, 'BE')).toBe('FE800000000000000000000000000001:0001');
  });

  it('has no answer for a host name', () => {
    expect(procLocalAddress('sip.example.com', 5060)).toBeUndefined();
  });
});

describe('dropsOf', () => {
  it('reads the drops column of the socket bound to that address and port only (not one connected to it)', () => {
    expect(dropsOf(UDP, '0100007F:13C4')).toBe(17);
    expect(dropsOf(UDP, '00000000:13C4')).toBe(5);
    expect(dropsOf(UDP, '0100007F:13C5')).toBe(0);
    expect(dropsOf(UDP, '0100007F:13C6')).toBeUndefined();
  });

  it('is undefined for a file with no such socket or lines it cannot read', () => {
    expect(dropsOf('', '0100007F:13C4')).toBeUndefined();
    expect(dropsOf(`header\n  1: 0100007F:13C4 garbage\n`, '0100007F:13C4')).toBeUndefined();
  });

  it('is undefined where the file cannot be read (not Linux)', async () => {
    await expect(udpReceiveDrops('127.0.0.1', 5060, () => Promise.reject(new Error('ENOENT')))).resolves.toBeUndefined();
  });
});

describe.runIf(process.platform === 'linux')('udpReceiveDrops on this machine', () => {
  const sockets: Socket[] = [];
  afterEach(() => {
    for (const s of sockets.splice(0)) s.close();
  });
  const bound = async (opts: { recvBufferSize?: number } = {}): Promise<Socket> => {
    const s = createSocket({ type: 'udp4', ...opts });
    sockets.push(s);
    await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
    return s;
  };

  it('counts what the kernel dropped at a socket whose queue was full', async () => {
    const receiver = await bound({ recvBufferSize: 4096 }); // the kernel's floor: a few datagrams
    const sender = await bound();
    const { port } = receiver.address();
    expect(await udpReceiveDrops('127.0.0.1', port)).toBe(0);
    // All sent before the loop polls the receiver: its queue overflows.
    const payload = Buffer.alloc(1000);
    await Promise.all(Array.from({ length: 200 }, () => new Promise<void>((resolve) => sender.send(payload, port, '127.0.0.1', () => resolve()))));
    const drops = await udpReceiveDrops('127.0.0.1', port);
    expect(drops).toBeGreaterThan(100);
    expect(drops).toBeLessThan(200);
  });
});
