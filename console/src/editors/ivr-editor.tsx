/** The IVR editor: name and opt-out key, then two tabs, Questions and Webhook Settings. */
import { useState } from 'preact/hooks';
import { EditorFrame } from '../components/editor-frame';
import { NumberField, SelectField, TextField } from '../components/fields';
import { DTMF_KEYS } from '../components/key-options';
import { Tabs } from '../components/tabs';
import { useEditor } from '../lib/editor';
import { blankIvr } from '../lib/ivr';
import { KINDS } from '../lib/kinds';
import { errorsUnder } from '../lib/paths';
import type { Ivr } from '../lib/types';
import { QuestionsEditor } from './questions';
import { WebhookSettings } from './webhook-settings';

export function IvrEditor({ id }: { id?: string }) {
  const editor = useEditor<Ivr>(KINDS.ivr, id, blankIvr);
  const [tab, setTab] = useState<'questions' | 'webhook'>('questions');
  const ivr = editor.value;
  const count = (prefix: string): number => errorsUnder(editor.errors, prefix).length;
  const tabLabel = (text: string, n: number) => (n ? `${text} (${n} to fix)` : text);
  const title = editor.isNew ? 'New IVR' : `IVR ${ivr.id ?? id}${ivr.name ? `: ${ivr.name}` : ''}`;

  return (
    <EditorFrame
      kind={KINDS.ivr}
      editor={editor}
      title={title}
      reveal={(path) => setTab(path.startsWith('webhook') ? 'webhook' : 'questions')}
      extra={editor.isNew ? null : <a class="button" href={`/test?block=ivr/${ivr.id ?? id}`}>Test this IVR</a>}
    >
      <div class="cols">
        {editor.isNew ? (
          <NumberField path="id" label="Id" min={1} hint="Leave empty for the next free one." value={ivr.id} onValue={(v) => editor.setValue((x) => (v === undefined ? (({ id: _i, ...rest }) => rest)(x) : { ...x, id: v }))} />
        ) : null}
        <TextField path="name" label="Name" class="wide" hint="For people: lists and the flow picture. Callers never hear it." value={ivr.name} onValue={(v) => editor.setValue((x) => ({ ...x, name: v }))} />
        <SelectField
          path="opt_out_key"
          label="Opt-out key"
          hint="Pressed during any question, it ends the IVR early."
          value={ivr.opt_out_key ?? ''}
          choices={[{ value: '', label: 'None' }, ...DTMF_KEYS.map((k) => ({ value: k, label: k }))]}
          onValue={(v) => editor.setValue((x) => (v === '' ? (({ opt_out_key: _o, ...rest }) => rest)(x) : { ...x, opt_out_key: v }))}
        />
      </div>
      <Tabs
        label="IVR settings"
        idPrefix="ivr-tab"
        selected={tab}
        onSelect={(t) => setTab(t as 'questions' | 'webhook')}
        tabs={[
          { id: 'questions', label: tabLabel('Questions', count('questions')) },
          { id: 'webhook', label: tabLabel('Webhook Settings', count('webhook')) },
        ]}
      >
        {tab === 'questions' ? (
          <QuestionsEditor ivr={ivr} setIvr={editor.setValue} />
        ) : (
          <WebhookSettings ivr={ivr} setIvr={editor.setValue} hasErrors={(p) => count(p) > 0} />
        )}
      </Tabs>
    </EditorFrame>
  );
}
