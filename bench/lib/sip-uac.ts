/**
 * A minimal SIP caller over UDP on 127.0.0.1 for single-call timing (time to first audio): INVITE with
 * an SDP offer (PCMU, telephone-event), ACK to the 200, BYE when told, 200 to the server's BYE; and an
 * RTP socket that reports every packet with its arrival time (performance.now(), this process's clock, so
 * it compares directly with timestamps taken in the webhook receiver of the same process).
 * It follows RFC 3261 only as far as hookline needs for one clean call; it is not a SIP stack.
 */
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';

export interface RtpArrival {
  at: number;
  seq: number;
  pt: number;
  payload: Buffer;
}

const hex = (n: number): string => randomBytes(n).toString('hex');

export class RawUac {
  private sip!: Socket;
  private rtp!: Socket;
  private onSip: ((msg: string) => void) | undefined;
  onRtp: ((a: RtpArrival) => void) | undefined;

  static async open(): Promise<RawUac> {
    const u = new RawUac();
    u.sip = createSocket('udp4');
    u.rtp = createSocket({ type: 'udp4', recvBufferSize: 1 << 20 });
    await Promise.all([u.sip, u.rtp].map((s) => new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()))));
    u.sip.on('message', (m) => u.onSip?.(m.toString('latin1')));
    u.rtp.on('message', (m) => {
      const at = performance.now();
      if (m.length < 12) return;
      u.onRtp?.({ at, seq: m.readUInt16BE(2), pt: (m[1] as number) & 0x7f, payload: m.subarray(12) });
    });
    return u;
  }

  close(): void {
    this.sip.close();
    this.rtp.close();
  }

  /**
   * Places a call to sip:<number>@127.0.0.1:<port>; resolves once the 200 OK has been ACKed, with a
   * function that hangs up (BYE, resolving on its 200 or on the server's own BYE).
   */
  async call(o: { port: number; number: string; caller: string; timeoutMs?: number }): Promise<{ hangup(): Promise<void>; ended: Promise<void> }> {
    const me = this.sip.address().port;
    const rtpPort = this.rtp.address().port;
    const callId = `${hex(8)}@127.0.0.1`;
    const fromTag = hex(4);
    const target = `sip:${o.number}@127.0.0.1:${o.port}`;
    const send = (text: string): void => this.sip.send(Buffer.from(text, 'latin1'), o.port, '127.0.0.1');
    const via = (): string => `Via: SIP/2.0/UDP 127.0.0.1:${me};branch=z9hG4bK${hex(6)};rport`;
    const sdp = ['v=0', `o=- ${Date.now()} 1 IN IP4 127.0.0.1`, 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', `m=audio ${rtpPort} RTP/AVP 0 101`, 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-15', 'a=ptime:20', 'a=sendrecv', ''].join('\r\n');
    const common = (to: string, cseq: string): string =>
      `From: <sip:${o.caller}@127.0.0.1:${me}>;tag=${fromTag}\r\nTo: ${to}\r\nCall-ID: ${callId}\r\nCSeq: ${cseq}\r\nMax-Forwards: 70\r\n`;
    const invite =
      `INVITE ${target} SIP/2.0\r\n${via()}\r\n${common(`<${target}>`, '1 INVITE')}Contact: <sip:${o.caller}@127.0.0.1:${me}>\r\n` +
      `Content-Type: application/sdp\r\nContent-Length: ${Buffer.byteLength(sdp)}\r\n\r\n${sdp}`;

    let to = '';
    let remoteTarget = target;
    let resolveEnded!: () => void;
    const ended = new Promise<void>((r) => (resolveEnded = r));
    let byeSent = false;
    const answered = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no 200 OK to INVITE within ${o.timeoutMs ?? 10_000} ms`)), o.timeoutMs ?? 10_000);
      const retrans = setInterval(() => send(invite), 500);
      this.onSip = (msg) => {
        const header = (name: string): string | undefined => new RegExp(`^${name}\\s*:\\s*(.*)$`, 'im').exec(msg)?.[1]?.trim();
        if (header('Call-ID') !== callId) return;
        const cseq = header('CSeq') ?? '';
        if (msg.startsWith('SIP/2.0 ')) {
          const status = Number(msg.slice(8, 11));
          if (cseq.endsWith('INVITE')) {
            clearInterval(retrans);
            if (status < 200) return;
            if (status >= 300) {
              clearTimeout(timer);
              reject(new Error(`INVITE answered ${msg.split('\r\n')[0]}`));
              return;
            }
            to = header('To') ?? '';
            remoteTarget = /<([^>]+)>/.exec(header('Contact') ?? '')?.[1] ?? target;
            // ACK every 200 (a retransmitted 200 means our ACK was lost).
            send(`ACK ${remoteTarget} SIP/2.0\r\n${via()}\r\n${common(to, '1 ACK')}Content-Length: 0\r\n\r\n`);
            clearTimeout(timer);
            resolve();
          } else if (cseq.endsWith('BYE') && byeSent) {
            resolveEnded();
          }
          return;
        }
        if (msg.startsWith('BYE ')) {
          const vias = msg.split('\r\n').filter((l) => /^(Via|v)\s*:/i.test(l));
          send(`SIP/2.0 200 OK\r\n${vias.join('\r\n')}\r\nFrom: ${header('From')}\r\nTo: ${header('To')}\r\nCall-ID: ${callId}\r\nCSeq: ${cseq}\r\nContent-Length: 0\r\n\r\n`);
          resolveEnded();
        }
      };
      send(invite);
    });
    await answered;
    return {
      ended,
      hangup: async () => {
        byeSent = true;
        const bye = `BYE ${remoteTarget} SIP/2.0\r\n${via()}\r\n${common(to, '2 BYE')}Content-Length: 0\r\n\r\n`;
        send(bye);
        const retrans = setInterval(() => send(bye), 500);
        const t = setTimeout(resolveEnded, 5000);
        await ended;
        clearInterval(retrans);
        clearTimeout(t);
      },
    };
  }
}
