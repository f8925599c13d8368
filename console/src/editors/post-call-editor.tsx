/** A post-call action: one request after every call it applies to, with parameters from the call or an IVR's answers. */
import { POST_CALL_FIELDS } from '../../../src/config/types';
import { EditorFrame } from '../components/editor-frame';
import { NumberField, SelectField, TextField } from '../components/fields';
import { RowEditor } from '../components/row-editor';
import { StringList } from '../components/string-list';
import { blockChoices, useConfig, type ConfigSnapshot } from '../lib/config';
import { useEditor } from '../lib/editor';
import { answerable } from '../lib/ivr';
import { KINDS } from '../lib/kinds';
import { pathOf } from '../lib/paths';
import type { Parameter, PostCallAction } from '../lib/types';

const blank = (): PostCallAction => ({ url: '', method: 'GET', parameters: [], applies_to: [] });

/** A parameter's cells: its name, and where its value comes from (a call field, or an answer to an IVR's question). */
function ParamCells({ p, i, config, set }: { p: Parameter; i: number; config: ConfigSnapshot; set(p: Parameter): void }) {
  const answer = /^ivr\.([0-9]*)\.question\.([0-9]*)$/.exec(p.value);
  const path = pathOf('parameters', i, 'value');
  const ivr = answer ? config.ivr.find((x) => String(x.value.id) === answer[1])?.value : undefined;
  return (
    <>
      <td>
        <TextField path={pathOf('parameters', i, 'name')} label={`Parameter ${i + 1} name`} hideLabel value={p.name} spellcheck={false} onValue={(v) => set({ ...p, name: v })} />
      </td>
      <td>
        <SelectField
          path={`${path}-source`}
          label={`Parameter ${i + 1} value from`}
          hideLabel
          value={answer ? 'answer' : 'call'}
          choices={[
            { value: 'call', label: 'Call field' },
            { value: 'answer', label: 'Answer to an IVR question' },
          ]}
          onValue={(k) => set({ ...p, value: k === 'answer' ? 'ivr..question.' : `call.${POST_CALL_FIELDS[0]}` })}
        />
      </td>
      <td>
        {answer ? (
          <div class="row">
            <SelectField
              path={`${path}-ivr`}
              label={`Parameter ${i + 1}: IVR`}
              hideLabel
              value={answer[1] ?? ''}
              choices={[{ value: '', label: 'Choose an IVR' }, ...config.ivr.map((x) => ({ value: String(x.value.id), label: `IVR ${x.value.id}${x.value.name ? `: ${x.value.name}` : ''}` }))]}
              onValue={(id) => set({ ...p, value: `ivr.${id}.question.` })}
            />
            <SelectField
              path={path}
              label={`Parameter ${i + 1}: question`}
              hideLabel
              value={answer[2] ?? ''}
              choices={[{ value: '', label: 'Choose a question' }, ...(ivr?.questions ?? []).map((q, n) => ({ q, n: n + 1 })).filter(({ q }) => answerable(q)).map(({ q, n }) => ({ value: String(n), label: `Question ${n} (${q.type})` }))]}
              onValue={(n) => set({ ...p, value: `ivr.${answer[1] ?? ''}.question.${n}` })}
            />
          </div>
        ) : (
          <SelectField path={path} label={`Parameter ${i + 1}: call field`} hideLabel value={p.value.replace(/^call\./, '')} choices={POST_CALL_FIELDS.map((f) => ({ value: f, label: f }))} onValue={(f) => set({ ...p, value: `call.${f}` })} />
        )}
      </td>
    </>
  );
}

export function PostCallEditor({ id }: { id?: string }) {
  const editor = useEditor<PostCallAction>(KINDS.post_call_action, id, blank);
  const { config } = useConfig();
  const a = editor.value;
  const set = (patch: Partial<PostCallAction>): void => editor.setValue((x) => ({ ...x, ...patch }));
  const suggestions = [...config.number.map((n) => n.value.number), ...blockChoices(config).map((b) => b.value)];
  return (
    <EditorFrame kind={KINDS.post_call_action} editor={editor} title={editor.isNew ? 'New post-call action' : `Post-call action ${a.id ?? id}`}>
      {editor.isNew ? <NumberField path="id" label="Id" min={1} hint="Leave empty for the next free one." value={a.id} onValue={(v) => set({ id: v })} /> : null}
      <div class="cols">
        <SelectField path="method" label="Method" value={a.method} choices={[{ value: 'GET', label: 'GET' }, { value: 'POST', label: 'POST' }]} onValue={(v) => set({ method: v as 'GET' | 'POST' })} />
        <TextField path="url" label="URL" class="wide" type="url" spellcheck={false} required value={a.url} onValue={(v) => set({ url: v })} />
      </div>
      <fieldset>
        <legend>Parameters</legend>
        <RowEditor
          columns={['Name', 'Value from', 'Value']}
          rows={a.parameters}
          onRows={(parameters) => set({ parameters })}
          removeLabel={(_p, i) => `Remove parameter ${i + 1}`}
          add={{ label: 'add parameter', onAdd: () => set({ parameters: [...a.parameters, { name: '', value: 'call.session_id' }] }) }}
          cells={(p, i, setParam) => <ParamCells p={p} i={i} config={config} set={setParam} />}
        />
      </fieldset>
      <StringList
        path="applies_to"
        legend="Applies to"
        itemLabel="Number or block"
        hint="Dialed numbers or building blocks (ivr/10) a call must have reached. None: every call."
        suggestions={suggestions}
        values={a.applies_to.map(String)}
        onValues={(v) => set({ applies_to: v })}
      />
      <TextField path="secret" label="Signing secret" autoComplete="off" spellcheck={false} value={a.secret ?? ''} onValue={(v) => set({ secret: v || undefined })} />
    </EditorFrame>
  );
}
