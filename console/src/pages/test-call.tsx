/**
 * The Test panel: a call through the simulator, started at a number or a building block. Prompts
 * arrive as text (Server-Sent Events), the keypad or the keyboard's digits send keys, and the real
 * webhooks go out: each exchange shows in the transcript as it happens.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { BannerView, PageTitle } from '../components/common';
import { FormContext, RadioGroup, SelectField, TextField } from '../components/fields';
import { Keypad } from '../components/keypad';
import { ParamsTable } from '../components/webhook-view';
import { API_BASE, describeError, request } from '../lib/api';
import { blockChoices, useConfig } from '../lib/config';
import type { Banner } from '../lib/editor';
import { describeTestEvent, type TestEvent } from '../lib/test-events';

interface Started {
  session_id: string;
  status: 'running' | 'ended';
  to: string;
  block: string;
  items: TestEvent[];
  next_after: number;
}

const KEY = /^[0-9*#]$/;

function isTyping(t: EventTarget | null): boolean {
  const el = t as HTMLElement | null;
  return !!el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.isContentEditable);
}

function Exchange({ e }: { e: TestEvent }) {
  if (e.type === 'webhook_request') {
    const params = (e['params'] as Array<[string, string]> | undefined) ?? [];
    return params.length ? <ParamsTable nameHead="Parameter" caption="Parameters sent" wrap={false} params={params} /> : null;
  }
  if (e.type === 'webhook_response' && typeof e['body'] === 'string' && e['body'] !== '') {
    return <pre aria-label="Response body">{e['body']}</pre>;
  }
  return null;
}

export function TestPage() {
  const { query } = useLocation();
  const { config } = useConfig();
  const [mode, setMode] = useState<'number' | 'block'>(query['block'] ? 'block' : 'number');
  const [to, setTo] = useState(query['to'] ?? '');
  const [block, setBlock] = useState(query['block'] ?? '');
  const [from, setFrom] = useState('3125550199');
  const [call, setCall] = useState<Started | null>(null);
  const [events, setEvents] = useState<TestEvent[]>([]);
  const [ended, setEnded] = useState(false);
  const [banner, setBanner] = useState<Banner | null>(null);
  const source = useRef<EventSource | null>(null);
  const logEnd = useRef<HTMLLIElement>(null);

  const numbers = config.number.map((n) => ({ value: n.value.number, label: `${n.value.number}${n.value.label ? ` (${n.value.label})` : ''} → ${n.value.to}` }));
  const blocks = blockChoices(config);
  useEffect(() => {
    if (!to && numbers[0]) setTo(numbers[0].value);
    if (!block && blocks[0]) setBlock(blocks[0].value);
  }, [config]);

  const add = (list: TestEvent[]): void => {
    setEvents((cur) => {
      const seen = new Set(cur.map((x) => x.seq));
      return [...cur, ...list.filter((x) => !seen.has(x.seq))];
    });
    if (list.some((x) => x.type === 'ended')) setEnded(true);
  };

  const follow = (id: string, after: number): void => {
    source.current?.close();
    const es = new EventSource(`${API_BASE}/test-calls/${id}/stream?after=${after}`);
    source.current = es;
    es.onmessage = (m) => add([JSON.parse(m.data as string) as TestEvent]);
    es.addEventListener('end', () => {
      es.close();
      setEnded(true);
    });
    es.onerror = () => {
      // The server closes the stream once the call is over; anything else, the browser retries.
      if (es.readyState === EventSource.CLOSED) setEnded(true);
    };
  };

  useEffect(() => () => source.current?.close(), []);
  useEffect(() => logEnd.current?.scrollIntoView({ block: 'nearest' }), [events.length]);

  // Keys go out one request at a time, in the order pressed: keys pressed while a request is on its way
  // wait and go together in the next one (parallel requests could arrive out of order).
  const queue = useRef<{ waiting: string; sending: boolean }>({ waiting: '', sending: false });
  const press = async (keys: string): Promise<void> => {
    if (!call || ended) return;
    const q = queue.current;
    q.waiting += keys;
    if (q.sending) return;
    q.sending = true;
    try {
      while (q.waiting) {
        const batch = q.waiting.slice(0, 64); // the API's most per request
        q.waiting = q.waiting.slice(64);
        await request('POST', `/test-calls/${call.session_id}/keys`, { json: { keys: batch } });
      }
    } catch (err) {
      q.waiting = '';
      setBanner({ tone: 'error', text: describeError(err) });
    } finally {
      q.sending = false;
    }
  };

  // The keyboard's digits press keys too, unless the focus is in a text field.
  useEffect(() => {
    if (!call || ended) return undefined;
    const onKey = (e: KeyboardEvent): void => {
      if (e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target) || !KEY.test(e.key)) return;
      e.preventDefault();
      void press(e.key);
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [call, ended]);

  const start = async (e: Event): Promise<void> => {
    e.preventDefault();
    setBanner(null);
    setEvents([]);
    setEnded(false);
    try {
      const body = { ...(mode === 'number' ? { to } : { block }), ...(from ? { from } : {}) };
      const r = await request<Started>('POST', '/test-calls', { json: body });
      setCall(r.data);
      add(r.data.items);
      follow(r.data.session_id, r.data.next_after);
      setTimeout(() => document.getElementById('test-keypad-hint')?.focus(), 0);
    } catch (err) {
      setBanner({ tone: 'error', text: `The test call did not start: ${describeError(err)}` });
    }
  };

  const hangUp = async (): Promise<void> => {
    if (!call) return;
    await request('DELETE', `/test-calls/${call.session_id}`).catch((err: unknown) => setBanner({ tone: 'error', text: describeError(err) }));
  };

  return (
    <>
      <PageTitle>Test call</PageTitle>
      <p>A call through the simulator: you read the prompts and press the keys; the configuration's real webhooks are called. It is stored with the other calls.</p>
      <BannerView banner={banner} />
      <FormContext.Provider value={{ errors: {}, readOnly: false }}>
        <form class="editor" onSubmit={start}>
          <RadioGroup
            path="test-mode"
            legend="Call"
            value={mode}
            onValue={(v) => setMode(v as 'number' | 'block')}
            choices={[
              { value: 'number', label: 'A number', hint: 'As if dialed: the call starts where the number routes.' },
              { value: 'block', label: 'A building block', hint: 'Straight into an IVR, Find Me, Virtual Receptionist or voicemail box.' },
            ]}
          />
          <div class="cols">
            {mode === 'number' ? (
              <SelectField path="test-to" label="Number" value={to} choices={numbers.length ? numbers : [{ value: '', label: 'No numbers configured' }]} onValue={setTo} />
            ) : (
              <SelectField path="test-block" label="Building block" value={block} choices={blocks.length ? blocks : [{ value: '', label: 'No blocks configured' }]} onValue={setBlock} />
            )}
            <TextField path="test-from" label="Caller id" inputMode="tel" value={from} onValue={setFrom} hint="Sent to webhooks as the caller." />
          </div>
          <div class="actions">
            <button type="submit" class="primary" disabled={!!call && !ended}>
              Start test call
            </button>
          </div>
        </form>
      </FormContext.Provider>
      {call ? (
        <section aria-labelledby="test-call-title" class="test-layout">
          <div>
            <h2 id="test-call-title">
              Call to {call.to || call.block} <span class={`badge ${ended ? 'bad' : 'ok'}`}>{ended ? 'ended' : 'in progress'}</span>
            </h2>
            <div role="log" aria-label="What happens on the call" aria-live="polite">
            <ol class="timeline">
              {events.map((e) => {
                const d = describeTestEvent(e);
                return (
                  <li key={e.seq} class={`${e.type} tone-${d.tone}${d.tone === 'bad' ? ' failure' : ''}`}>
                    <span class="at">{(e.offset_ms / 1000).toFixed(1)} s</span>
                    {d.text}
                    <Exchange e={e} />
                  </li>
                );
              })}
              <li ref={logEnd} class="visually-hidden" aria-hidden="true" />
            </ol>
            </div>
            {ended ? (
              <p>
                <a href={`/calls/${call.session_id}`}>Open this call's timeline</a> · <a href={`/webhooks?session_id=${call.session_id}`}>its webhook requests</a>
              </p>
            ) : null}
          </div>
          <div>
            <p id="test-keypad-hint" tabIndex={-1} class="hint">
              Press keys here, or type 0-9, * and # on your keyboard.
            </p>
            <Keypad disabled={ended} onKey={(k) => void press(k)} />
            <button type="button" class="danger" disabled={ended} onClick={() => void hangUp()}>
              Hang up
            </button>
          </div>
        </section>
      ) : null}
    </>
  );
}
