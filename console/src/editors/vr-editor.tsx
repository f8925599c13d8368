/** A Virtual Receptionist: a prompt, and the building block each key leads to. */
import { EditorFrame } from '../components/editor-frame';
import { NumberField, SelectField, TextField } from '../components/fields';
import { PromptField } from '../components/prompt-field';
import { blockChoices, useConfig } from '../lib/config';
import { useEditor } from '../lib/editor';
import { KINDS } from '../lib/kinds';
import { pathOf } from '../lib/paths';
import type { Vr } from '../lib/types';
import { DTMF_KEYS } from './questions';

const blank = (): Vr => ({ name: '', prompt: '', options: { '1': '' } });

export function VrEditor({ id }: { id?: string }) {
  const editor = useEditor<Vr>(KINDS.vr, id, blank);
  const readOnly = editor.managedBy === 'file';
  const { config } = useConfig();
  const v = editor.value;
  const entries = Object.entries(v.options);
  const setEntries = (list: Array<[string, string]>): void => editor.setValue((x) => ({ ...x, options: Object.fromEntries(list) }));
  const blocks = blockChoices(config);
  const free = DTMF_KEYS.filter((k) => !(k in v.options));
  const title = editor.isNew ? 'New Virtual Receptionist' : `Virtual Receptionist ${v.id ?? id}${v.name ? `: ${v.name}` : ''}`;
  return (
    <EditorFrame kind={KINDS.vr} editor={editor} title={title} extra={editor.isNew ? null : <a class="button" href={`/test?block=vr/${v.id ?? id}`}>Test it</a>}>
      <div class="cols">
        {editor.isNew ? <NumberField path="id" label="Id" min={1} hint="Leave empty for the next free one." value={v.id} onValue={(n) => editor.setValue((x) => ({ ...x, id: n }))} /> : null}
        <TextField path="name" label="Name" class="wide" value={v.name} onValue={(n) => editor.setValue((x) => ({ ...x, name: n }))} />
      </div>
      <PromptField path="prompt" label="Prompt" required value={v.prompt} onValue={(p) => editor.setValue((x) => ({ ...x, prompt: p }))} />
      <fieldset>
        <legend>Options: the key pressed, and where the call goes</legend>
        <table class="grid">
          <thead>
            <tr>
              <th scope="col">Key</th>
              <th scope="col">Goes to</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {entries.map(([key, to], i) => (
              <tr key={i}>
                <td>
                  <SelectField
                    path={`${pathOf('options', key)}-key`}
                    label={`Option ${i + 1} key`}
                    hideLabel
                    value={key}
                    choices={DTMF_KEYS.filter((k) => k === key || !(k in v.options)).map((k) => ({ value: k, label: k }))}
                    onValue={(k) => setEntries(entries.map((e, j) => (j === i ? [k, e[1]] : e)))}
                  />
                </td>
                <td>
                  <SelectField
                    path={pathOf('options', key)}
                    label={`Option ${i + 1} (key ${key}) goes to`}
                    hideLabel
                    value={to}
                    choices={[{ value: '', label: 'Choose a building block' }, ...blocks, ...(to && !blocks.some((b) => b.value === to) ? [{ value: to, label: to }] : [])]}
                    onValue={(t) => setEntries(entries.map((e, j) => (j === i ? [e[0], t] : e)))}
                  />
                </td>
                <td>
                  {readOnly ? null : (
                    <button type="button" class="small" aria-label={`Remove option ${i + 1} (key ${key})`} onClick={() => setEntries(entries.filter((_e, j) => j !== i))}>
                      Remove
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {readOnly || free.length === 0 ? null : (
          <button type="button" class="small" onClick={() => setEntries([...entries, [free[0] as string, '']])}>
            Add option
          </button>
        )}
      </fieldset>
    </EditorFrame>
  );
}
