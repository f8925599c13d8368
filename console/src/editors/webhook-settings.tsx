/**
 * The IVR's Webhook Settings, laid out as the platform hookline replaces had them: the action, the
 * method and target URL, "add parameter" rows (name + where the value comes from), SourceTrak, and
 * Advanced Settings (transcription post-back, timeout, what a caller hears on failure, signing secret).
 */
import { useState } from 'preact/hooks';
import { CALL_FIELDS, DEFAULT_FAILURE_TEXT } from '../../../src/config/types';
import { CheckboxField, NumberField, RadioGroup, SelectField, TextField, useForm } from '../components/fields';
import { NameHint, PromptField } from '../components/prompt-field';
import { RowEditor } from '../components/row-editor';
import { answerable, blankWebhook, parseSource, SOURCE_KINDS, sourceText, type ParamSource } from '../lib/ivr';
import { fieldId, pathOf } from '../lib/paths';
import type { Ivr, Parameter, Webhook } from '../lib/types';

function ParamValue({ p, i, ivr, onValue }: { p: Parameter; i: number; ivr: Ivr; onValue(v: string): void }) {
  const path = pathOf('webhook', 'parameters', i, 'value');
  const s = parseSource(p.value);
  const label = `Parameter ${i + 1} value`;
  switch (s.kind) {
    case 'question': {
      const choices = ivr.questions
        .map((q, n) => ({ q, n: n + 1 }))
        .filter(({ q }) => answerable(q))
        .map(({ q, n }) => ({ value: String(n), label: `Question ${n} (${q.type})` }));
      return (
        <SelectField
          path={path}
          label={label}
          hideLabel
          value={s.n === undefined ? '' : String(s.n)}
          choices={[{ value: '', label: choices.length ? 'Choose a question' : 'No question with an answer yet' }, ...choices]}
          onValue={(v) => onValue(sourceText({ kind: 'question', n: v ? Number(v) : undefined }))}
        />
      );
    }
    case 'user':
      return <TextField path={path} label={`${label}: user parameter name`} hideLabel value={s.name} placeholder="firstName" spellcheck={false} onValue={(v) => onValue(sourceText({ kind: 'user', name: v }))} />;
    case 'call':
      return (
        <SelectField
          path={path}
          label={label}
          hideLabel
          value={s.field}
          choices={[...(CALL_FIELDS.includes(s.field as (typeof CALL_FIELDS)[number]) ? [] : [{ value: s.field, label: 'Choose a call field' }]), ...CALL_FIELDS.map((f) => ({ value: f, label: f }))]}
          onValue={(v) => onValue(sourceText({ kind: 'call', field: v }))}
        />
      );
  }
}

function defaultSource(kind: ParamSource['kind'], ivr: Ivr): string {
  if (kind === 'question') {
    const n = ivr.questions.findIndex(answerable);
    return sourceText({ kind, n: n < 0 ? undefined : n + 1 });
  }
  return kind === 'user' ? 'user.' : `call.${CALL_FIELDS[0]}`;
}

function Parameters({ ivr, w, set }: { ivr: Ivr; w: Webhook; set(w: Webhook): void }) {
  const setParams = (parameters: Parameter[]): void => set({ ...w, parameters });
  const add = (): void => {
    setParams([...w.parameters, { name: '', value: defaultSource('question', ivr) }]);
    setTimeout(() => document.getElementById(fieldId(pathOf('webhook', 'parameters', w.parameters.length, 'name')))?.focus(), 0);
  };
  return (
    <fieldset class="parameters">
      <legend>Dynamic parameters, sent in this order</legend>
      {w.parameters.length === 0 ? <p class="hint">None yet. The automatic parameters (caller id, session id, answers as ivr_response_N…) are always sent.</p> : null}
      <RowEditor
        columns={['Name', 'Value from', 'Value']}
        headless={w.parameters.length === 0}
        rows={w.parameters}
        onRows={setParams}
        removeLabel={(p, i) => `Remove parameter ${i + 1}${p.name ? ` (${p.name})` : ''}`}
        add={{ label: 'add parameter', onAdd: add }}
        cells={(p, i, setParam) => (
          <>
            <td>
              <TextField path={pathOf('webhook', 'parameters', i, 'name')} label={`Parameter ${i + 1} name`} hideLabel value={p.name} spellcheck={false} onValue={(v) => setParam({ ...p, name: v })} />
            </td>
            <td>
              <SelectField
                path={`${pathOf('webhook', 'parameters', i, 'value')}-source`}
                label={`Parameter ${i + 1} value from`}
                hideLabel
                value={parseSource(p.value).kind}
                choices={SOURCE_KINDS}
                onValue={(k) => setParam({ ...p, value: defaultSource(k as ParamSource['kind'], ivr) })}
              />
            </td>
            <td>
              <ParamValue p={p} i={i} ivr={ivr} onValue={(v) => setParam({ ...p, value: v })} />
            </td>
          </>
        )}
      />
      <p class="hint">
        A user parameter is one your webhook sent back earlier in the call. <NameHint />
      </p>
    </fieldset>
  );
}

export function WebhookSettings({ ivr, setIvr, hasErrors }: { ivr: Ivr; setIvr(update: (v: Ivr) => Ivr): void; hasErrors: (prefix: string) => boolean }) {
  const { readOnly } = useForm();
  const [advanced, setAdvanced] = useState(() => hasErrors('webhook.transcription_url') || hasErrors('webhook.timeout_s') || hasErrors('webhook.on_failure') || hasErrors('webhook.secret'));
  const w = ivr.webhook;
  const set = (next: Webhook): void => setIvr((v) => ({ ...v, webhook: next }));
  const advancedOpen = advanced || hasErrors('webhook.transcription_url') || hasErrors('webhook.timeout_s') || hasErrors('webhook.on_failure') || hasErrors('webhook.secret');

  return (
    <section aria-labelledby="webhook-title">
      <h2 id="webhook-title">Webhook Settings</h2>
      <CheckboxField
        path="webhook"
        label="Send the answers to a webhook when the caller finishes"
        hint="Without a webhook the call ends after the last question."
        checked={w !== undefined}
        onValue={(on) => setIvr((v) => (on ? { ...v, webhook: v.webhook ?? blankWebhook() } : (({ webhook: _w, ...rest }) => rest)(v)))}
      />
      {w === undefined ? null : (
        <>
          <RadioGroup
            path="webhook.action"
            legend="Advanced Webhook Actions"
            value={w.action}
            onValue={(v) => set({ ...w, action: v as Webhook['action'] })}
            choices={[
              { value: 'read_text', label: 'Retrieve message and read to user', hint: 'The response is text (or HTML) read to the caller; then the call ends.' },
              { value: 'next_action', label: 'Retrieve next action', hint: 'The response says where the call goes next: another IVR, a Find Me, a transfer, a hang-up…' },
            ]}
          />
          <div class="cols">
            <SelectField path="webhook.method" label="Method" value={w.method} choices={[{ value: 'POST', label: 'POST' }, { value: 'GET', label: 'GET' }]} onValue={(v) => set({ ...w, method: v as Webhook['method'] })} />
            <TextField path="webhook.url" label="Target URL" class="wide" type="url" inputMode="url" spellcheck={false} placeholder="https://example.com/hookline" value={w.url} required onValue={(v) => set({ ...w, url: v })} />
          </div>
          <Parameters ivr={ivr} w={w} set={set} />
          <CheckboxField path="webhook.include_sourcetrak" label="Include SourceTrak Information" hint="Adds the st_* parameters of the number the caller dialed." checked={w.include_sourcetrak} onValue={(v) => set({ ...w, include_sourcetrak: v })} />
          <div class="disclosure">
            <button type="button" aria-expanded={advancedOpen} aria-controls="webhook-advanced" onClick={() => setAdvanced(!advancedOpen)}>
              {advancedOpen ? '▾' : '▸'} Advanced Settings
            </button>
            <div id="webhook-advanced" hidden={!advancedOpen}>
              <TextField path="webhook.transcription_url" label="Transcription Post Back URL" type="url" inputMode="url" spellcheck={false} hint="Where transcriptions of recorded questions are sent. Empty: none are sent." value={w.transcription_url ?? ''} onValue={(v) => set(optional(w, 'transcription_url', v))} />
              <NumberField path="webhook.timeout_s" label="Timeout" unit="s" min={1} max={30} hint="1-30 seconds. A webhook that has not answered by then counts as failed." value={w.timeout_s} onValue={(v) => set({ ...w, timeout_s: v ?? 10 })} />
              <PromptField
                path="webhook.on_failure.say"
                label="Said when the webhook fails, before hanging up"
                value={w.on_failure?.say ?? DEFAULT_FAILURE_TEXT}
                onValue={(p) => set(p === DEFAULT_FAILURE_TEXT ? withoutFailure(w) : { ...w, on_failure: { say: p } })}
              />
              <TextField
                path="webhook.secret"
                label="Signing secret"
                type={readOnly ? 'password' : 'text'}
                autoComplete="off"
                spellcheck={false}
                hint="Optional. Each request then carries a signature your server can check (see docs/webhook.md)."
                value={w.secret ?? ''}
                onValue={(v) => set(optional(w, 'secret', v))}
              />
            </div>
          </div>
        </>
      )}
    </section>
  );
}

function optional<K extends 'secret' | 'transcription_url'>(w: Webhook, key: K, v: string): Webhook {
  const { [key]: _old, ...rest } = w;
  return v === '' ? (rest as Webhook) : { ...w, [key]: v };
}

function withoutFailure(w: Webhook): Webhook {
  const { on_failure: _f, ...rest } = w;
  return rest;
}
