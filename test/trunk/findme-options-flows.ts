/**
 * The Find Me cases of findme-options.test.ts as data: how each far number behaves, the nextaction table,
 * the flows file and the webhook's dynamic answers. The numbers are given when the test runs (free ports).
 */
import type { FarMedia } from './harness.js';

export const WHISPER_HZ = 500; // whisper.wav, the screen_method 2 whisper
export const TONE = { a: 1800, b: 2400 } as const;

/** How a far number behaves: the digit B of its number (findme-far.xml) and what this process does. */
export const KINDS = {
  decline: 1, // answers, hears the screening, presses nothing; must get hookline's BYE
  accept: 4, // answers, presses 1 once it has heard its cue; hangs up 6 s after answering
  talk: 4, // answers, presses nothing, must be bridged anyway; hangs up 6 s after answering
  ring: 2, // rings until CANCELled
  pcap: 3, // SIPp's own media: presses 1 from dtmf_2833_1.pcap 2.5 s after answering
} as const;
export type Kind = keyof typeof KINDS;

export const PHONES = {
  s0a: 'decline', s0b: 'accept', s1a: 'accept', s2a: 'decline', s2b: 'accept', s3a: 'accept', pa: 'pcap',
  a0a: 'decline', a1a: 'talk', a1r: 'ring', a2a: 'decline', a2b: 'talk', a3a: 'decline', a3b: 'talk',
  n1r: 'ring', n2r: 'ring', n3a: 'talk', n4r: 'ring', n5r: 'ring', n5b: 'talk', n6r: 'ring', n7a: 'talk',
  xr: 'ring', xa: 'decline',
} as const satisfies Record<string, Kind>;
export type PhoneName = keyof typeof PHONES;

export interface Phone {
  kind: Kind;
  number: string;
  media?: FarMedia;
}

/** The nextaction table: one Find Me each (ids 51-57, dialled as 800555022n), one number that never accepts. */
export const NEXT: Array<{ n: number; item?: number; phone: PhoneName; what: string; route: string[]; endReason: string }> = [
  { n: 1, phone: 'n1r', what: 'says no one is available and hangs up', route: [], endReason: 'findme_unanswered' },
  { n: 2, item: 7, phone: 'n2r', what: 'voicemail box 7 takes a message', route: ['voicemail/7'], endReason: 'voicemail_left' },
  { n: 3, phone: 'n3a', what: 'the last number is bridged after its introduction, without a key', route: [], endReason: 'bridge_ended_by_callee' },
  { n: 4, item: 3, phone: 'n4r', what: "Virtual Receptionist 3 answers; the caller's choice leads on to voicemail", route: ['vr/3', 'voicemail/7'], endReason: 'voicemail_left' },
  { n: 5, item: 59, phone: 'n5r', what: 'Find Me 59 rings its own number and bridges it', route: ['findme/59'], endReason: 'bridge_ended_by_callee' },
  { n: 6, item: 10, phone: 'n6r', what: 'IVR 10 runs and sends its webhook', route: ['ivr/10'], endReason: 'webhook_hangup' },
  { n: 7, phone: 'n7a', what: 'the last number is bridged without an introduction or key', route: [], endReason: 'bridge_ended_by_callee' },
];

export const FLOWS = (hook: string, p: Record<PhoneName, Phone>) => {
  const n = (name: PhoneName) => `"${p[name].number}"`;
  return `
numbers:
  "8005550201": findme/20
  "8005550202": ivr/30
  "8005550203": ivr/31
  "8005550204": findme/23
  "8005550205": findme/24
  "8005550210": findme/40
  "8005550211": ivr/32
  "8005550212": findme/42
  "8005550213": findme/43
  "8005550230": findme/60
${NEXT.map((x) => `  "800555022${x.n}": findme/5${x.n}`).join('\n')}
ivrs:
${['S1', 'S2', 'A1'].map((c, i) => `  - { id: ${30 + i}, questions: [{ type: say, prompt: "One moment." }], webhook: { url: "${hook}/dynamic?case=${c}" } }`).join('\n')}
  - { id: 10, questions: [{ type: say, prompt: "This is the back office." }], webhook: { url: "${hook}/ivr10" } }
vrs:
  - { id: 3, prompt: "For the front desk press 2.", options: { "2": voicemail/7 } }
voicemails:
  - { id: 7, greeting: "Please leave a message.", max_seconds: 2 }
findmes:
  - { id: 20, phone_list: [${n('s0a')}, ${n('s0b')}], timeout_s: 5, screen_method: 0 }
  - { id: 23, phone_list: [${n('s3a')}], timeout_s: 5, screen_method: 3 }
  - { id: 24, phone_list: [${n('pa')}], timeout_s: 5, screen_method: 1, whisper_phrase: "Call from the web site." }
  - { id: 40, phone_list: [${n('a0a')}], timeout_s: 5, screen_method: 1, whisper_phrase: "Call from the web site.", auto_accept: 0 }
  - { id: 42, phone_list: [${n('a2a')}, ${n('a2b')}], timeout_s: 5, screen_method: 2, whisper_audio: whisper.wav, auto_accept: 2 }
  - { id: 43, phone_list: [${n('a3a')}, ${n('a3b')}], timeout_s: 5, screen_method: 2, whisper_audio: whisper.wav, auto_accept: 3 }
  - { id: 59, phone_list: [${n('n5b')}], timeout_s: 5, auto_accept: 1 }
  - { id: 60, phone_list: [${n('xr')}, ${n('xa')}], simultaneous: 2, timeout_s: 30, screen_method: 1, whisper_phrase: "Call from the web site." }
${NEXT.map((x) => `  - { id: 5${x.n}, phone_list: [${n(x.phone)}], timeout_s: 5, screen_method: 2, whisper_audio: whisper.wav, nextaction: ${x.n}${x.item ? `, nextactionitem: ${x.item}` : ''} }`).join('\n')}
`;
};

export const DYNAMIC = (p: Record<PhoneName, Phone>): Record<string, string> => ({
  S1: `<phone_list>${p.s1a.number}</phone_list><screen_method>1</screen_method><whisper_phrase>Call from the radio ad.</whisper_phrase>`,
  S2: `<phone_list>${p.s2a.number}|${p.s2b.number}</phone_list><screen_method>2</screen_method><whisper_audio>whisper.wav</whisper_audio>`,
  A1: `<phone_list>${p.a1a.number}|${p.a1r.number}</phone_list><simultaneous>2</simultaneous><screen_method>1</screen_method><whisper_phrase>Call for sales.</whisper_phrase><auto_accept>1</auto_accept>`,
});
