/** A SourceTrak pool: the tracking numbers the website tag shows, the sites that may use it, and its defaults. */
import { EditorFrame } from '../components/editor-frame';
import { NumberField, TextField } from '../components/fields';
import { StringList } from '../components/string-list';
import { useConfig } from '../lib/config';
import { useEditor } from '../lib/editor';
import { KINDS } from '../lib/kinds';
import type { SourcetrakPool } from '../lib/types';

const blank = (): SourcetrakPool => ({
  name: '',
  numbers: [''],
  sourceguard_numbers: [],
  activity_keyword: '',
  domains: [''],
  campaign: '',
  platform: '',
  locations: [],
  replace_numbers: [],
  hold_minutes: 30,
});

export function SourcetrakPoolEditor({ name }: { name?: string }) {
  const editor = useEditor<SourcetrakPool>(KINDS.sourcetrak_pool, name, blank);
  const { config } = useConfig();
  const p = editor.value;
  const set = (patch: Partial<SourcetrakPool>): void => editor.setValue((x) => ({ ...x, ...patch }));
  const routed = config.number.map((n) => n.value.number);
  return (
    <EditorFrame kind={KINDS.sourcetrak_pool} editor={editor} title={editor.isNew ? 'New SourceTrak pool' : `SourceTrak pool ${p.name || name}`}>
      {editor.isNew ? (
        <TextField path="name" label="Name" required spellcheck={false} hint="Letters, digits, - and _. Pages name it in the tag: data-pool." value={p.name} onValue={(v) => set({ name: v })} />
      ) : null}
      <p class="hint">
        Pages use it with <code>{`<script src="${location.origin}/st.js" data-pool="${p.name || 'NAME'}"></script>`}</code>
      </p>
      <StringList path="numbers" legend="Tracking numbers" itemLabel="Number" inputMode="tel" suggestions={routed} hint="Each must also be routed under Numbers, and be in no other pool. One visitor session shows one number." values={p.numbers} onValues={(v) => set({ numbers: v })} />
      <TextField path="default_number" label="Default number" inputMode="tel" hint="Shown to visitors who ask not to be tracked; never given to a tracked visitor. Empty: the first tracking number." value={p.default_number ?? ''} onValue={(v) => set({ default_number: v || undefined })} />
      <StringList path="domains" legend="Sites that may use the pool" itemLabel="Host name" placeholder="example.com" hint="A host name covers its subdomains. Pages elsewhere are refused." values={p.domains} onValues={(v) => set({ domains: v })} />
      <div class="cols">
        <TextField path="activity_keyword" label="Activity keyword" hint="st_activity_keyword, e.g. seo or ppc." value={p.activity_keyword} onValue={(v) => set({ activity_keyword: v })} />
        <NumberField path="domain_set_id" label="Domain set id" min={0} hint="st_domain_set_id; optional." value={p.domain_set_id} onValue={(v) => set({ domain_set_id: v })} />
      </div>
      <div class="cols">
        <TextField path="campaign" label="Default campaign" hint="st_campaign when the URL has no utm_campaign." value={p.campaign} onValue={(v) => set({ campaign: v })} />
        <TextField path="platform" label="Default platform" hint="st_platform when the URL has no utm_source." value={p.platform} onValue={(v) => set({ platform: v })} />
      </div>
      <StringList path="replace_numbers" legend="Numbers your pages show in their text" itemLabel="Page number" inputMode="tel" hint="Replaced by the visitor's number wherever the text shows them, in the format written." values={p.replace_numbers} onValues={(v) => set({ replace_numbers: v })} />
      <StringList path="locations" legend="Locations" itemLabel="Location" hint="For pages that show several numbers: elements with data-location get that location's own number (st_location_name)." values={p.locations} onValues={(v) => set({ locations: v })} />
      <StringList path="sourceguard_numbers" legend="SourceGuard numbers" itemLabel="SourceGuard number" inputMode="tel" suggestions={routed} hint="Shown to search-engine crawlers; a call to one carries st_sourceguard=1." values={p.sourceguard_numbers} onValues={(v) => set({ sourceguard_numbers: v })} />
      <NumberField path="hold_minutes" label="Session hold" unit="min" min={1} max={1440} hint="A session stays live this long after its last page view; only then may its number go to another visitor." value={p.hold_minutes} onValue={(v) => set({ hold_minutes: v ?? 30 })} />
    </EditorFrame>
  );
}
