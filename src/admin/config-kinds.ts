/**
 * The kinds of configuration item the Administration API manages, each an entry of the flows file:
 * where it sits in the file (`ivrs`, `numbers`...), what names it (its id, or the number), and how it
 * is shown through the API (the file's entry shape; a number as `{ number, to, label }`).
 */
import { z } from 'zod';
import {
  findmeToRaw,
  ivrToRaw,
  postCallActionToRaw,
  refText,
  sourcetrakPoolToRaw,
  voicemailToRaw,
  vrToRaw,
} from '../config/canonical.js';
import { entrySchemas, PHONE_NUMBER, strict } from '../config/schema.js';
import type { Flows } from '../config/types.js';

export const CONFIG_KINDS = ['ivr', 'findme', 'vr', 'voicemail', 'number', 'post_call_action', 'sourcetrak_pool'] as const;
export type ConfigKind = (typeof CONFIG_KINDS)[number];
export type Json = Record<string, unknown>;

/** The top-level key of the flows file each kind lives under. */
export const LIST_OF: Record<ConfigKind, 'ivrs' | 'findmes' | 'vrs' | 'voicemails' | 'numbers' | 'post_call_actions' | 'sourcetrak_pools'> = {
  ivr: 'ivrs',
  findme: 'findmes',
  vr: 'vrs',
  voicemail: 'voicemails',
  number: 'numbers',
  post_call_action: 'post_call_actions',
  sourcetrak_pool: 'sourcetrak_pools',
};

/** The field that names an item: a number, a pool's name, or (everything else) its id. */
export function keyField(kind: ConfigKind): 'number' | 'name' | 'id' {
  return kind === 'number' ? 'number' : kind === 'sourcetrak_pool' ? 'name' : 'id';
}

export const KIND_WORDS: Record<ConfigKind, string> = {
  ivr: 'IVR',
  findme: 'Find Me',
  vr: 'Virtual Receptionist',
  voicemail: 'voicemail box',
  number: 'number',
  post_call_action: 'post-call action',
  sourcetrak_pool: 'SourceTrak pool',
};

/** A number as the API shows it: the flows file keeps it as a map entry, `"8005550100": ivr/10`. */
export const numberResource = strict({
  number: z.string().regex(PHONE_NUMBER, { error: 'expected a dialed number: digits with an optional leading +' }),
  to: z.string().meta({ description: 'The building block the number routes to, e.g. ivr/10' }),
  label: z.string().max(200).default(''),
});

/** The schema of one item's API body, for validation and the OpenAPI document. */
export const ITEM_SCHEMA: Record<ConfigKind, z.ZodType> = {
  ivr: entrySchemas.ivr,
  findme: entrySchemas.findme,
  vr: entrySchemas.vr,
  voicemail: entrySchemas.voicemail,
  number: numberResource,
  post_call_action: entrySchemas.postCallAction,
  sourcetrak_pool: entrySchemas.sourcetrakPool,
};

/** Every item of the given configuration, as the API shows it, keyed by its key (id or number). */
export function itemsOf(flows: Flows, kind: ConfigKind): Map<string, Json> {
  const byId = <T extends { id: number }>(m: Map<number, T>, raw: (t: T) => Json): Map<string, Json> =>
    new Map([...m.values()].sort((a, b) => a.id - b.id).map((t) => [String(t.id), raw(t)]));
  switch (kind) {
    case 'ivr':
      return byId(flows.ivrs, ivrToRaw);
    case 'findme':
      return byId(flows.findmes, findmeToRaw);
    case 'vr':
      return byId(flows.vrs, vrToRaw);
    case 'voicemail':
      return byId(flows.voicemails, voicemailToRaw);
    case 'post_call_action':
      return new Map((flows.postCallActions ?? []).map((a) => [String(a.id), postCallActionToRaw(a)]));
    case 'sourcetrak_pool':
      return new Map([...(flows.sourcetrakPools?.values() ?? [])].map((p) => [p.name, sourcetrakPoolToRaw(p)]));
    case 'number':
      return new Map([...flows.numbers].map(([n, ref]) => [n, { number: n, to: refText(ref), label: flows.numberLabels?.get(n) ?? '' }]));
  }
}

/** What the flows file holds for an item shown through the API (only numbers differ). */
export function fileForm(kind: ConfigKind, value: Json): unknown {
  if (kind !== 'number') return value;
  const label = typeof value['label'] === 'string' ? value['label'] : '';
  return label === '' ? value['to'] : { to: value['to'], label };
}

/** The key an API body names (its id or number), if it names one. */
export function keyOfBody(kind: ConfigKind, body: unknown): string | undefined {
  if (body === null || typeof body !== 'object') return undefined;
  const v = (body as Json)[keyField(kind)];
  return typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;
}
