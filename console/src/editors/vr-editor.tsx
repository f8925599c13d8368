/** A Virtual Receptionist: a prompt, and the building block each key leads to. */
import { EditorFrame } from '../components/editor-frame';
import { NumberField, SelectField, TextField } from '../components/fields';
import { KeyOptions } from '../components/key-options';
import { PromptField } from '../components/prompt-field';
import { blockChoices, useConfig } from '../lib/config';
import { useEditor } from '../lib/editor';
import { KINDS } from '../lib/kinds';
import { pathOf } from '../lib/paths';
import type { Vr } from '../lib/types';

const blank = (): Vr => ({ name: '', prompt: '', options: { '1': '' } });

export function VrEditor({ id }: { id?: string }) {
  const editor = useEditor<Vr>(KINDS.vr, id, blank);
  const { config } = useConfig();
  const v = editor.value;
  const blocks = blockChoices(config);
  const title = editor.isNew ? 'New Virtual Receptionist' : `Virtual Receptionist ${v.id ?? id}${v.name ? `: ${v.name}` : ''}`;
  return (
    <EditorFrame kind={KINDS.vr} editor={editor} title={title} extra={editor.isNew ? null : <a class="button" href={`/test?block=vr/${v.id ?? id}`}>Test it</a>}>
      <div class="cols">
        {editor.isNew ? <NumberField path="id" label="Id" min={1} hint="Leave empty for the next free one." value={v.id} onValue={(n) => editor.setValue((x) => ({ ...x, id: n }))} /> : null}
        <TextField path="name" label="Name" class="wide" value={v.name} onValue={(n) => editor.setValue((x) => ({ ...x, name: n }))} />
      </div>
      <PromptField path="prompt" label="Prompt" required value={v.prompt} onValue={(p) => editor.setValue((x) => ({ ...x, prompt: p }))} />
      <KeyOptions
        legend="Options: the key pressed, and where the call goes"
        base=""
        options={v.options}
        onOptions={(options) => editor.setValue((x) => ({ ...x, options }))}
        valueHead="Goes to"
        value={(key, to, i, setTo) => (
          <SelectField
            path={pathOf('options', key)}
            label={`Option ${i + 1} (key ${key}) goes to`}
            hideLabel
            value={to}
            choices={[{ value: '', label: 'Choose a building block' }, ...blocks, ...(to && !blocks.some((b) => b.value === to) ? [{ value: to, label: to }] : [])]}
            onValue={setTo}
          />
        )}
      />
    </EditorFrame>
  );
}
