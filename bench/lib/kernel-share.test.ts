import { describe, expect, it } from 'vitest';
import { classifyStack, tallyPerfScript } from './kernel-share.js';

// Stacks as `perf script -F tid,ip,sym` prints them (leaf first), cut from a run of the 1,000-call step.
const send = ['udp_send_skb', 'udp_sendmsg', '__sys_sendto', '__x64_sys_sendto', 'do_syscall_64', '__libc_sendto'];
const delivered = ['udp4_lib_lookup2', '__udp4_lib_rcv', 'ip_local_deliver_finish', '__netif_receive_skb_one_core', 'process_backlog', 'net_rx_action', 'handle_softirqs', '__dev_queue_xmit', ...send];
const captured = ['tpacket_rcv', 'dev_queue_xmit_nit', 'dev_hard_start_xmit', '__dev_queue_xmit', ...send];
const cloned = ['skb_clone', 'raw_local_deliver', 'ip_protocol_deliver_rcu', 'process_backlog', 'net_rx_action', ...send];

function block(tid: number, frames: string[]): string {
  return `${tid} \n${frames.map((f, i) => `\tffffffff8100${i.toString(16).padStart(4, '0')} ${f}`).join('\n')}\n`;
}

describe('where the kernel spent a sample', () => {
  it.each([
    ['the send path itself', send, 'own'],
    ['delivering to the receiving socket on loopback', delivered, 'loopback_delivery'],
    ['the capture, though it runs inside the transmit', captured, 'capture'],
    ["a raw socket's clone, though it runs inside the delivery", cloned, 'raw_sockets'],
    ['JavaScript', ['JS:*runTick', 'Builtins_JSEntry'], 'own'],
  ] as const)('%s', (_name, frames, expected) => {
    expect(classifyStack(frames)).toBe(expected);
  });

  it('tallies the blocks of a perf script output into shares', () => {
    const text = [block(7, send), block(7, send), block(8, delivered), block(7, captured), block(9, ['[unknown]'])].join('\n');
    const k = tallyPerfScript(text);
    expect(k.samples).toBe(5);
    expect(k.shares).toEqual({ capture: 0.2, raw_sockets: 0, loopback_delivery: 0.2, own: 0.6 });
  });

  it('says nothing rather than dividing by zero when perf recorded no sample', () => {
    expect(tallyPerfScript('')).toEqual({ samples: 0, shares: { capture: 0, raw_sockets: 0, loopback_delivery: 0, own: 0 } });
  });
});
