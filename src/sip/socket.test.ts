import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createRequest } from './builders.js';
import { Dialog } from './dialog.js';
import { createSipEndpoint, type SipEndpoint } from './endpoint.js';
import type { SipResponse } from './message.js';
import { parseMessage } from './parse.js';
import { StreamFramer } from './framing.js';
import type { TransportProtocol } from './transport.js';

/** Real sockets on 127.0.0.1 with random ports: the endpoint against raw clients and against itself. */

const SDP = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n';
const endpoints: SipEndpoint[] = [];

afterEach(async () => {
  await Promise.all(endpoints.splice(0).map((e) => e.close()));
});

/** A UAS that rings, answers with SDP, and answers BYE. */
async function answeringEndpoint(seen: string[] = []): Promise<SipEndpoint> {
  const ep = await createSipEndpoint({
    host: '127.0.0.1',
    udpPort: 0,
    tcpPort: 0,
    onRequest(req, tx) {
      seen.push(req.method);
      if (req.method === 'INVITE') {
        tx.respond(180);
        tx.respond(200, 'OK', { body: SDP, headers: { 'Content-Type': 'application/sdp' } });
      } else tx.respond(200);
    },
    onAck: (ack) => seen.push(ack.method),
  });
  endpoints.push(ep);
  return ep;
}

function rawInvite(transport: TransportProtocol, port: number, branch: string): string {
  return [
    'INVITE sip:ivr@127.0.0.1 SIP/2.0',
    `Via: SIP/2.0/${transport} 127.0.0.1:${port};branch=${branch};rport`,
    'Max-Forwards: 70',
    'From: <sip:raw@127.0.0.1>;tag=raw1',
    'To: <sip:ivr@127.0.0.1>',
    `Call-ID: raw-${branch}`,
    'CSeq: 1 INVITE',
    `Contact: <sip:raw@127.0.0.1:${port}>`,
    'Content-Type: application/sdp',
    `Content-Length: ${SDP.length}`,
    '',
    SDP,
  ].join('\r\n');
}

const statusesUntil200 = (got: SipResponse[]): boolean => got.some((r) => r.status === 200);

async function waitFor(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('real sockets on 127.0.0.1', () => {
  it('answers an INVITE from a raw UDP client, to the port in rport', async () => {
    const ep = await answeringEndpoint();
    const client = createSocket('udp4');
    await new Promise<void>((r) => client.bind(0, '127.0.0.1', () => r()));
    const got: SipResponse[] = [];
    client.on('message', (data) => got.push(parseMessage(data, { datagram: true }) as SipResponse));
    // Via claims port 1: only rport makes the answer come back to us.
    client.send(rawInvite('UDP', 1, 'z9hG4bKudp1'), ep.transport('UDP')!.port, '127.0.0.1');
    await waitFor(() => statusesUntil200(got));
    const clientPort = client.address().port;
    client.close();
    expect(got.map((r) => r.status)).toEqual([180, 200]);
    expect(got[1]?.text).toBe(SDP);
    expect(got[1]?.topVia.params.get('rport')).toBe(String(clientPort));
    expect(got[1]?.topVia.params.get('received')).toBe('127.0.0.1');
  });

  it('answers INVITEs from a raw TCP client on its connection, and a 400 does not break the connection', async () => {
    const ep = await answeringEndpoint();
    const sock = connect(ep.transport('TCP')!.port, '127.0.0.1');
    await new Promise<void>((r) => sock.once('connect', () => r()));
    const framer = new StreamFramer();
    const got: SipResponse[] = [];
    sock.on('data', (chunk: Buffer) => {
      for (const f of framer.push(chunk).frames) got.push(parseMessage(f) as SipResponse);
    });
    const bad = rawInvite('TCP', sock.localPort!, 'z9hG4bKbad').replace('CSeq: 1 INVITE', 'CSeq: 1 BYE');
    sock.write(bad + rawInvite('TCP', sock.localPort!, 'z9hG4bKtcp1'));
    await waitFor(() => statusesUntil200(got));
    sock.destroy();
    expect(got.map((r) => `${r.status} ${r.reason}`)).toEqual([
      '400 Bad Request (CSeq method does not match the request method)',
      '180 Ringing',
      '200 OK',
    ]);
  });

  it('answers an unframeable TCP message with 400, then closes that connection only', async () => {
    const ep = await answeringEndpoint();
    const sock = connect(ep.transport('TCP')!.port, '127.0.0.1');
    await new Promise<void>((r) => sock.once('connect', () => r()));
    let received = '';
    sock.on('data', (d: Buffer) => (received += d.toString()));
    const closed = new Promise<void>((r) => sock.once('close', () => r()));
    sock.write(rawInvite('TCP', sock.localPort!, 'z9hG4bKncl').replace(/Content-Length: \d+/, 'Content-Length: -5'));
    await closed;
    expect(received).toMatch(/^SIP\/2.0 400 Bad Request \(malformed Content-Length header\)/);
  });

  it.each(['UDP', 'TCP'] as const)('calls itself over %s: INVITE, 180, 200, ACK, BYE', async (transport) => {
    const seen: string[] = [];
    const uas = await answeringEndpoint(seen);
    const uac = await createSipEndpoint({ host: '127.0.0.1', udpPort: 0, tcpPort: 0, onRequest: (_r, tx) => tx.respond(481) });
    endpoints.push(uac);
    const port = uas.transport(transport)!.port;
    const param = transport === 'TCP' ? ';transport=tcp' : '';
    const invite = createRequest({
      method: 'INVITE',
      uri: `sip:ivr@127.0.0.1:${port}${param}`,
      from: '<sip:tester@127.0.0.1>',
      to: '<sip:ivr@127.0.0.1>',
      body: SDP,
      contentType: 'application/sdp',
    });
    const statuses: number[] = [];
    let dialog: Dialog | undefined;
    uac.sendRequest(invite, undefined, {
      onProvisional: (res) => statuses.push(res.status),
      onFinal: (res) => {
        statuses.push(res.status);
        dialog = Dialog.fromUac(invite, res);
        void uac.sendAck(dialog.createAck(invite.cseq.seq));
      },
    });
    await waitFor(() => seen.includes('ACK'));
    const byeDone: SipResponse[] = [];
    uac.sendRequest(dialog!.createRequest('BYE'), undefined, { onFinal: (res) => byeDone.push(res) });
    await waitFor(() => byeDone.length > 0);
    expect(statuses).toEqual([180, 200]);
    expect(seen).toEqual(['INVITE', 'ACK', 'BYE']);
    expect(byeDone[0]?.status).toBe(200);
  });
});
