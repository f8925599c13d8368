/** A voicemail box: its greeting, the longest message, and where a notification of each message goes. */
import { EditorFrame } from '../components/editor-frame';
import { NumberField, SelectField, TextField } from '../components/fields';
import { PromptField } from '../components/prompt-field';
import { useEditor } from '../lib/editor';
import { KINDS } from '../lib/kinds';
import type { Voicemail } from '../lib/types';

const blank = (): Voicemail => ({ name: '', greeting: 'Please leave a message after the tone.', max_seconds: 120, notify_method: 'POST' });

export function VoicemailEditor({ id }: { id?: string }) {
  const editor = useEditor<Voicemail>(KINDS.voicemail, id, blank);
  const v = editor.value;
  const set = (patch: Partial<Voicemail>): void => editor.setValue((x) => ({ ...x, ...patch }));
  const title = editor.isNew ? 'New voicemail box' : `Voicemail box ${v.id ?? id}${v.name ? `: ${v.name}` : ''}`;
  return (
    <EditorFrame
      kind={KINDS.voicemail}
      editor={editor}
      title={title}
      extra={
        editor.isNew ? null : (
          <>
            <a class="button" href={`/voicemails/${v.id ?? id}/messages`}>Messages</a>
            <a class="button" href={`/test?block=voicemail/${v.id ?? id}`}>Test it</a>
          </>
        )
      }
    >
      <div class="cols">
        {editor.isNew ? <NumberField path="id" label="Id" min={1} hint="Leave empty for the next free one." value={v.id} onValue={(n) => set({ id: n })} /> : null}
        <TextField path="name" label="Name" class="wide" value={v.name} onValue={(n) => set({ name: n })} />
      </div>
      <PromptField path="greeting" label="Greeting" required value={v.greeting} onValue={(p) => set({ greeting: p })} />
      <NumberField path="max_seconds" label="Longest message" unit="s" min={1} max={3600} value={v.max_seconds} onValue={(n) => set({ max_seconds: n ?? 120 })} />
      <fieldset>
        <legend>Notification of each message (optional)</legend>
        <div class="cols">
          <SelectField path="notify_method" label="Method" value={v.notify_method} choices={[{ value: 'POST', label: 'POST' }, { value: 'GET', label: 'GET' }]} onValue={(m) => set({ notify_method: m as 'GET' | 'POST' })} />
          <TextField path="notify_url" label="URL" class="wide" type="url" spellcheck={false} hint="Empty: no notification." value={v.notify_url ?? ''} onValue={(u) => set({ notify_url: u || undefined })} />
        </div>
        <TextField path="notify_secret" label="Signing secret" autoComplete="off" spellcheck={false} value={v.notify_secret ?? ''} onValue={(s) => set({ notify_secret: s || undefined })} />
      </fieldset>
    </EditorFrame>
  );
}
