/**
 * A canary for the server's core: run pinned beside the server, it sends a 12-byte RTP packet to itself
 * every 20 ms (one timer, no other work, no garbage). A loopback capture of its packets shows what the core
 * itself allowed (the hypervisor taking the vCPU, the kernel, the scheduler): a stall that the canary
 * shares is not the server's doing; one the canary does not share is.
 *
 *   node --import tsx bench/core-canary.ts PORT
 */
import { createSocket } from 'node:dgram';

const port = Number(process.argv[2]);
const sock = createSocket('udp4');
sock.on('message', () => undefined);
const pkt = Buffer.alloc(12);
pkt[0] = 0x80; // RTP version 2, PT 0
pkt.writeUInt32BE((Math.random() * 0x100000000) >>> 0, 8);
let seq = 0;
let ts = 0;
sock.bind(port, '127.0.0.1', () => {
  const timer = setInterval(() => {
    pkt.writeUInt16BE(seq++ & 0xffff, 2);
    pkt.writeUInt32BE(ts >>> 0, 4);
    ts += 160;
    sock.send(pkt, port, '127.0.0.1');
  }, 20);
  process.send?.('ready');
  process.once('SIGTERM', () => {
    clearInterval(timer);
    sock.close();
  });
});
