/** The whole configuration, for pages that need more than one item: references, names used, the flow picture. */
import { useEffect, useState } from 'preact/hooks';
import { get } from './api';
import { KINDS, type KindId } from './kinds';
import type { FindMe, Ivr, ListItem, Listing, NumberRoute, PostCallAction, SourcetrakPool, Voicemail, Vr } from './types';

export interface ConfigSnapshot {
  ivr: Array<ListItem<Ivr>>;
  findme: Array<ListItem<FindMe>>;
  vr: Array<ListItem<Vr>>;
  voicemail: Array<ListItem<Voicemail>>;
  number: Array<ListItem<NumberRoute>>;
  post_call_action: Array<ListItem<PostCallAction>>;
  sourcetrak_pool: Array<ListItem<SourcetrakPool>>;
}

export const EMPTY_CONFIG: ConfigSnapshot = { ivr: [], findme: [], vr: [], voicemail: [], number: [], post_call_action: [], sourcetrak_pool: [] };

export async function loadConfig(signal?: AbortSignal): Promise<ConfigSnapshot> {
  const ids = Object.keys(KINDS) as KindId[];
  const lists = await Promise.all(ids.map((id) => get<Listing<unknown>>(KINDS[id].path, signal)));
  const out = { ...EMPTY_CONFIG } as Record<KindId, unknown>;
  ids.forEach((id, i) => (out[id] = lists[i]?.items ?? []));
  return out as unknown as ConfigSnapshot;
}

export function useConfig(): { config: ConfigSnapshot; loaded: boolean; error: unknown } {
  const [state, setState] = useState<{ config: ConfigSnapshot; loaded: boolean; error: unknown }>({ config: EMPTY_CONFIG, loaded: false, error: undefined });
  useEffect(() => {
    const ctl = new AbortController();
    loadConfig(ctl.signal).then(
      (config) => setState({ config, loaded: true, error: undefined }),
      (error: unknown) => {
        if ((error as Error).name !== 'AbortError') setState({ config: EMPTY_CONFIG, loaded: true, error });
      },
    );
    return () => ctl.abort();
  }, []);
  return state;
}

/** Every building block as a choice: `ivr/10` with its name. */
export function blockChoices(c: ConfigSnapshot, only?: ReadonlyArray<'ivr' | 'vr' | 'findme' | 'voicemail'>): Array<{ value: string; label: string }> {
  const out: Array<{ value: string; label: string }> = [];
  const add = (kind: 'ivr' | 'vr' | 'findme' | 'voicemail', items: Array<ListItem<{ id?: number; name: string }>>): void => {
    if (only && !only.includes(kind)) return;
    for (const i of items) out.push({ value: `${kind}/${i.value.id}`, label: `${KINDS[kind].one} ${i.value.id}${i.value.name ? `: ${i.value.name}` : ''}` });
  };
  add('ivr', c.ivr);
  add('vr', c.vr);
  add('findme', c.findme);
  add('voicemail', c.voicemail);
  return out;
}
