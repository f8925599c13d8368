/** Loads what prompt fields offer as help: the `@name`s used in the configuration and the audio library's files. */
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { get } from '../lib/api';
import { loadConfig } from '../lib/config';
import { userParamNames } from '../lib/names';
import { PromptHelpContext, type PromptHelp } from './prompt-field';

export function PromptHelpProvider({ children }: { children: ComponentChildren }) {
  const [help, setHelp] = useState<PromptHelp>({ names: [], audio: [] });
  useEffect(() => {
    const ctl = new AbortController();
    loadConfig(ctl.signal).then((c) => setHelp((h) => ({ ...h, names: userParamNames(c) })), () => undefined);
    // The audio library may be absent on an older server: then audio parts are typed by hand.
    get<{ items: Array<{ name: string }> }>('/audio', ctl.signal).then((a) => setHelp((h) => ({ ...h, audio: a.items.map((i) => i.name) })), () => undefined);
    return () => ctl.abort();
  }, []);
  return <PromptHelpContext.Provider value={help}>{children}</PromptHelpContext.Provider>;
}
