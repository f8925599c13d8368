import type { Flows } from '../config/types.js';

const count = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

/**
 * What a flows file holds, for the start banner: `5 numbers, 4 IVRs, 1 Find Me, 1 Virtual Receptionist,
 * 1 voicemail box and 2 post-call actions`. Kinds the file does not use are left out; the numbers are
 * always counted, since a file without any answers no call.
 */
export function flowsSummary(flows: Flows): string {
  const parts = [
    count(flows.numbers.size, 'number', 'numbers'),
    ...[
      [flows.ivrs.size, 'IVR', 'IVRs'],
      [flows.findmes.size, 'Find Me', 'Find Mes'],
      [flows.vrs.size, 'Virtual Receptionist', 'Virtual Receptionists'],
      [flows.voicemails.size, 'voicemail box', 'voicemail boxes'],
      [flows.postCallActions?.length ?? 0, 'post-call action', 'post-call actions'],
    ].flatMap(([n, one, many]) => (n === 0 ? [] : [count(n as number, one as string, many as string)])),
  ];
  return parts.length === 1 ? parts[0]! : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
}
