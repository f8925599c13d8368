/** A dialed number and the building block it routes to. */
import { EditorFrame } from '../components/editor-frame';
import { SelectField, TextField } from '../components/fields';
import { blockChoices, useConfig } from '../lib/config';
import { useEditor } from '../lib/editor';
import { KINDS } from '../lib/kinds';
import type { NumberRoute } from '../lib/types';

const blank = (): NumberRoute => ({ number: '', to: '', label: '' });

export function NumberEditor({ number }: { number?: string }) {
  const editor = useEditor<NumberRoute>(KINDS.number, number, blank);
  const { config } = useConfig();
  const n = editor.value;
  const set = (patch: Partial<NumberRoute>): void => editor.setValue((x) => ({ ...x, ...patch }));
  const blocks = blockChoices(config);
  return (
    <EditorFrame kind={KINDS.number} editor={editor} title={editor.isNew ? 'New number' : `Number ${n.number || number}`} extra={editor.isNew ? null : <a class="button" href={`/test?to=${encodeURIComponent(n.number)}`}>Test a call to it</a>}>
      {editor.isNew ? (
        <TextField path="number" label="Dialed number" inputMode="tel" required hint="As the trunk sends it in the request URI: digits with an optional leading +." value={n.number} onValue={(v) => set({ number: v })} />
      ) : null}
      <SelectField
        path="to"
        label="Routes to"
        required
        value={n.to}
        choices={[{ value: '', label: 'Choose a building block' }, ...blocks, ...(n.to && !blocks.some((b) => b.value === n.to) ? [{ value: n.to, label: n.to }] : [])]}
        onValue={(v) => set({ to: v })}
      />
      <TextField path="label" label="Label" hint="For people, e.g. Main line." value={n.label} onValue={(v) => set({ label: v })} />
    </EditorFrame>
  );
}
