/**
 * `general.buildingblockids`: every building block, with the type names the original used in
 * `routing.configure` (`survo`, `findme`, `vmail`, `virtual_receptionist`). Ids are per kind in
 * hookline (ivr/10 and findme/10 may both exist), so the type is part of a block's name.
 */
import type { ConfigKind } from '../../admin/config-kinds.js';
import type { IbpActions } from './context.js';
import type { XmlNode } from './xml.js';

/** The original's routing type of each kind of block, and what people call it. */
export const BLOCK_TYPES = [
  { kind: 'ivr', type: 'survo', label: 'SurVo (IVR)' },
  { kind: 'findme', type: 'findme', label: 'Find Me' },
  { kind: 'vr', type: 'virtual_receptionist', label: 'Virtual Receptionist' },
  { kind: 'voicemail', type: 'vmail', label: 'Voice Mail' },
] as const satisfies ReadonlyArray<{ kind: ConfigKind; type: string; label: string }>;

export type BlockType = (typeof BLOCK_TYPES)[number]['type'];

export const generalActions: IbpActions = {
  'general.buildingblockids': {
    scope: 'read',
    run: async (_req, s) => {
      const blocks: XmlNode[] = BLOCK_TYPES.flatMap(({ kind, type, label }) =>
        s.config.entries(kind).map((e): XmlNode => [
          'building_block',
          [
            ['id', e.key],
            ['type', type],
            ['type_name', label],
            ['name', typeof e.value['name'] === 'string' ? e.value['name'] : ''],
            ['managed_by', e.managedBy],
          ],
        ]),
      );
      return { xml: [['building_blocks', blocks]] };
    },
  },
};

/**
 * Groups of the original's Administration API that a self-hosted server cannot honour, each with the
 * reason given in the answer: "the <group> group is not offered by hookline: <reason>".
 */
export const NOT_OFFERED_GROUPS: Readonly<Record<string, string>> = {
  addons: 'add-ons were purchases from the hosted platform; a self-hosted server has nothing to buy',
  broadcast: 'hookline places no voice broadcasts; start calls one by one with the Call Initiation API',
  conference: 'hookline has no conference bridge',
  clicktoconference: 'hookline has no conference bridge',
  cost: 'calls are billed by your SIP trunk provider, not by hookline',
  group: 'contact groups served voice broadcasts, which hookline does not place',
  locator: 'hookline has no store locator',
  numbers: 'phone numbers are ordered from your SIP trunk provider; route them with routing.configure',
  sms: 'hookline handles voice calls only',
  transcription: 'transcription of recorded answers is set per IVR question (transcribe) in the flows file or the Administration API',
  verifymenow: 'hookline has no VerifyMeNow; build a PIN check as an IVR with a keypad question and a webhook',
};

export function notOfferedGroup(group: string): string | undefined {
  // hasOwn: `constructor` or `__proto__` must not find Object.prototype's members.
  const reason = Object.hasOwn(NOT_OFFERED_GROUPS, group) ? NOT_OFFERED_GROUPS[group] : undefined;
  return reason === undefined ? undefined : `the ${group} group is not offered by hookline: ${reason}`;
}
