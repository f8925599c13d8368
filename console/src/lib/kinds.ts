/** The kinds of configuration item: where each lives in the API and what the console calls it. */
export type KindId = 'ivr' | 'findme' | 'vr' | 'voicemail' | 'number' | 'post_call_action' | 'sourcetrak_pool';

export interface Kind {
  id: KindId;
  /** API collection and console route: `/ivrs`. */
  path: string;
  one: string;
  many: string;
  /** What names one item: its id, the number, or (a SourceTrak pool) its name. */
  key: 'id' | 'number' | 'name';
  /** The reference prefix (`ivr/10`) for building blocks. */
  ref?: 'ivr' | 'findme' | 'vr' | 'voicemail';
}

export const KINDS: Record<KindId, Kind> = {
  ivr: { id: 'ivr', path: '/ivrs', one: 'IVR', many: 'IVRs', key: 'id', ref: 'ivr' },
  findme: { id: 'findme', path: '/findmes', one: 'Find Me', many: 'Find Mes', key: 'id', ref: 'findme' },
  vr: { id: 'vr', path: '/vrs', one: 'Virtual Receptionist', many: 'Virtual Receptionists', key: 'id', ref: 'vr' },
  voicemail: { id: 'voicemail', path: '/voicemails', one: 'voicemail box', many: 'Voicemail boxes', key: 'id', ref: 'voicemail' },
  number: { id: 'number', path: '/numbers', one: 'number', many: 'Numbers', key: 'number' },
  post_call_action: { id: 'post_call_action', path: '/post-call-actions', one: 'post-call action', many: 'Post-call actions', key: 'id' },
  sourcetrak_pool: { id: 'sourcetrak_pool', path: '/sourcetrak-pools', one: 'SourceTrak pool', many: 'SourceTrak pools', key: 'name' },
};

export const KIND_LIST: Kind[] = Object.values(KINDS);

export const BLOCK_KINDS = ['ivr', 'vr', 'findme', 'voicemail'] as const;
export type BlockKind = (typeof BLOCK_KINDS)[number];

/** `ivr/10` -> the console page that edits it. */
export function refHref(ref: string): string | undefined {
  const m = /^(ivr|vr|findme|voicemail)\/([0-9]+)$/.exec(ref);
  if (!m) return undefined;
  return `${KINDS[m[1] as BlockKind].path}/${m[2]}`;
}

export function refWords(ref: string): string {
  const m = /^(ivr|vr|findme|voicemail)\/([0-9]+)$/.exec(ref);
  return m ? `${KINDS[m[1] as BlockKind].one} ${m[2]}` : ref;
}
