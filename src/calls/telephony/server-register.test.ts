import { describe, expect, it } from 'vitest';
import { createSocket } from 'node:dgram';
import { systemClock } from '../../lib/clock.js';
import { silentLogger } from '../../lib/logger.js';
import { Pacer } from '../../media/pacer.js';
import { TelephonyServer } from './server.js';
import { parseTrunk } from './trunk.js';
import type { PromptRenderer } from './renderer.js';

/** 200 OK to a REGISTER, with the Contact echoed and the headers a response must copy (RFC 3261 §8.2.6). */
function ok200(request: string): string {
  const copy = request.split('\r\n').filter((l) => /^(via|from|to|call-id|cseq|contact):/i.test(l));
  return ['SIP/2.0 200 OK', ...copy.map((l) => (/^to:/i.test(l) && !/tag=/.test(l) ? `${l};tag=r1` : l)), 'Expires: 3600', 'Content-Length: 0', '', ''].join('\r\n');
}

describe('TelephonyServer with a trunk that wants REGISTER', () => {
  it('registers at start and unregisters (Expires: 0) at close', async () => {
    const registrar = createSocket('udp4');
    const got: string[] = [];
    registrar.on('message', (msg, rinfo) => {
      const text = msg.toString();
      got.push(text);
      registrar.send(ok200(text), rinfo.port, rinfo.address);
    });
    await new Promise<void>((r) => registrar.bind(0, '127.0.0.1', r));
    const port = registrar.address().port;
    const pacer = new Pacer();
    const server = await TelephonyServer.start({
      host: '127.0.0.1', sipPort: 0, rtpPorts: { min: 17400, max: 17499 }, clock: systemClock, logger: silentLogger, pacer,
      renderer: {} as PromptRenderer, userAgent: 'test', trunk: parseTrunk(`sip:alice:pw@127.0.0.1:${port};register=yes`), onCall: () => undefined,
    });
    try {
      for (let i = 0; i < 100 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(got[0]).toMatch(/^REGISTER sip:127\.0\.0\.1:\d+/);
      expect(got[0]).toMatch(/^From: .*sip:alice@127\.0\.0\.1/im);
    } finally {
      await server.close();
      pacer.close();
    }
    expect(got.at(-1)).toMatch(/^Expires: 0|;expires=0/im);
    registrar.close();
  });

  it('does not hold shutdown for a registrar that never answers the unREGISTER (Timer F is 32 s)', async () => {
    const registrar = createSocket('udp4');
    let registers = 0;
    registrar.on('message', (msg, rinfo) => {
      const text = msg.toString();
      registers++;
      if (/^Expires: 0|;expires=0/im.test(text)) return; // silent from the unREGISTER on
      registrar.send(ok200(text), rinfo.port, rinfo.address);
    });
    await new Promise<void>((r) => registrar.bind(0, '127.0.0.1', r));
    const pacer = new Pacer();
    const server = await TelephonyServer.start({
      host: '127.0.0.1', sipPort: 0, rtpPorts: { min: 17400, max: 17499 }, clock: systemClock, logger: silentLogger, pacer,
      renderer: {} as PromptRenderer, userAgent: 'test', trunk: parseTrunk(`sip:alice:pw@127.0.0.1:${registrar.address().port};register=yes`), onCall: () => undefined,
    });
    for (let i = 0; i < 100 && registers === 0; i++) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 100));
    const t0 = Date.now();
    await server.close();
    pacer.close();
    registrar.close();
    expect(registers).toBeGreaterThanOrEqual(2); // the REGISTER and the unanswered unREGISTER
    expect(Date.now() - t0).toBeLessThan(3000);
  });
});
