/** A Find Me: the numbers it rings, how the person answering is screened, and what happens when nobody accepts. */
import { EditorFrame } from '../components/editor-frame';
import { CheckboxField, NumberField, SelectField, TextArea, TextField } from '../components/fields';
import { NameHint } from '../components/prompt-field';
import { StringList } from '../components/string-list';
import { useConfig, blockChoices } from '../lib/config';
import { useEditor } from '../lib/editor';
import { KINDS } from '../lib/kinds';
import type { FindMe } from '../lib/types';

const blank = (): FindMe => ({
  name: '',
  phone_list: [''],
  simultaneous: 1,
  timeout_s: 20,
  screen_method: 3,
  whisper_phrase: '',
  record: 0,
  auto_accept: 0,
  nextaction: 1,
  loop_count: 1,
  randomize: false,
  holdmusic: 'ringback',
});

const SCREEN = [
  { value: '3', label: '3: no screening' },
  { value: '0', label: '0: the caller records their name, played to the person answering' },
  { value: '1', label: '1: the whisper phrase, read by text-to-speech' },
  { value: '2', label: '2: the whisper audio file' },
];
const ACCEPT = [
  { value: '0', label: '0: the person answering must press 1' },
  { value: '1', label: '1: the first to answer is connected at once' },
  { value: '2', label: '2: the last group tried hears the screening, no key needed' },
  { value: '3', label: '3: the last group tried is connected without screening or key' },
];
/** nextaction -> the kind of block nextactionitem names, if any. */
export const NEXT_ITEM: Record<number, 'voicemail' | 'vr' | 'findme' | 'ivr' | undefined> = { 1: undefined, 2: 'voicemail', 3: undefined, 4: 'vr', 5: 'findme', 6: 'ivr', 7: undefined };
const NEXT = [
  { value: '1', label: '1: "No one is available", then hang up' },
  { value: '2', label: '2: a voicemail box' },
  { value: '3', label: '3: connect the last group tried after its screening' },
  { value: '4', label: '4: a Virtual Receptionist' },
  { value: '5', label: '5: another Find Me' },
  { value: '6', label: '6: an IVR' },
  { value: '7', label: '7: connect the last group tried without screening' },
];

export function FindMeEditor({ id }: { id?: string }) {
  const editor = useEditor<FindMe>(KINDS.findme, id, blank);
  const { config } = useConfig();
  const f = editor.value;
  const set = (patch: Partial<FindMe>): void => editor.setValue((x) => ({ ...x, ...patch }));
  const itemKind = NEXT_ITEM[f.nextaction];
  const items = itemKind ? blockChoices(config, [itemKind]).map((c) => ({ value: c.value.split('/')[1] ?? '', label: c.label })) : [];
  const title = editor.isNew ? 'New Find Me' : `Find Me ${f.id ?? id}${f.name ? `: ${f.name}` : ''}`;
  return (
    <EditorFrame kind={KINDS.findme} editor={editor} title={title} extra={editor.isNew ? null : <a class="button" href={`/test?block=findme/${f.id ?? id}`}>Test this Find Me</a>}>
      <div class="cols">
        {editor.isNew ? <NumberField path="id" label="Id" min={1} hint="Leave empty for the next free one." value={f.id} onValue={(v) => set({ id: v })} /> : null}
        <TextField path="name" label="Name" class="wide" value={f.name} onValue={(v) => set({ name: v })} />
      </div>
      <StringList path="phone_list" legend="Numbers to ring, in order" itemLabel="Number" inputMode="tel" placeholder="3125550101" values={f.phone_list} onValues={(v) => set({ phone_list: v })} />
      <div class="cols">
        <NumberField path="simultaneous" label="Ring at once" min={1} max={20} hint="Numbers rung together: the list is tried in groups of this size." value={f.simultaneous} onValue={(v) => set({ simultaneous: v ?? 1 })} />
        <NumberField path="timeout_s" label="Ring time" unit="s" min={5} max={300} value={f.timeout_s} onValue={(v) => set({ timeout_s: v ?? 20 })} />
        <NumberField path="loop_count" label="Times through the list" min={1} max={10} value={f.loop_count} onValue={(v) => set({ loop_count: v ?? 1 })} />
      </div>
      <CheckboxField path="randomize" label="Shuffle the list on each pass" checked={f.randomize} onValue={(v) => set({ randomize: v })} />
      <SelectField path="screen_method" label="Screening" value={String(f.screen_method)} choices={SCREEN} onValue={(v) => set({ screen_method: Number(v) })} />
      {f.screen_method === 1 ? <TextArea path="whisper_phrase" label="Whisper phrase" hint={<NameHint />} value={f.whisper_phrase} onValue={(v) => set({ whisper_phrase: v })} /> : null}
      {f.screen_method === 2 ? <TextField path="whisper_audio" label="Whisper audio file" placeholder="whisper.wav" value={f.whisper_audio ?? ''} onValue={(v) => set({ whisper_audio: v || undefined })} /> : null}
      <SelectField path="auto_accept" label="Accepting" value={String(f.auto_accept)} choices={ACCEPT} onValue={(v) => set({ auto_accept: Number(v) })} />
      <CheckboxField path="record" label="Record the connected call" hint='Both parties hear "This call may be recorded."' checked={f.record === 1} onValue={(v) => set({ record: v ? 1 : 0 })} />
      <TextField path="holdmusic" label="The caller hears while waiting" hint="ringback, or a .wav file of the audio library." value={f.holdmusic} onValue={(v) => set({ holdmusic: v })} />
      <div class="cols">
        <SelectField path="nextaction" label="When nobody accepts" value={String(f.nextaction)} choices={NEXT} onValue={(v) => set({ nextaction: Number(v), nextactionitem: undefined })} />
        {itemKind ? (
          <SelectField
            path="nextactionitem"
            label={`Which ${KINDS[itemKind].one}`}
            value={f.nextactionitem === undefined ? '' : String(f.nextactionitem)}
            choices={[{ value: '', label: `Choose a ${KINDS[itemKind].one}` }, ...items]}
            onValue={(v) => set({ nextactionitem: v ? Number(v) : undefined })}
          />
        ) : null}
      </div>
    </EditorFrame>
  );
}
