/** API keys: make one (shown once), list them, revoke one. */
import { useEffect, useRef, useState } from 'preact/hooks';
import { BannerView, PageTitle, Time } from '../components/common';
import { CheckboxField, FormContext, TextField } from '../components/fields';
import { ACTIONS, ListTable, ListView } from '../components/list';
import { ApiError, describeError, request } from '../lib/api';
import type { Banner } from '../lib/editor';
import { errorsByPath, type FieldErrors } from '../lib/paths';
import { useGet } from '../lib/use-get';

interface ApiKey {
  id: number;
  name: string;
  prefix: string;
  scopes: string[];
  created_at: string;
  last_used_at: string | null;
}

const SCOPES = [
  { id: 'read', label: 'read: every GET (lists, calls, the webhook log)' },
  { id: 'calls', label: 'calls: place calls and test calls, replay webhooks' },
  { id: 'admin', label: 'admin: change configuration, audio, recordings and keys' },
];

export function KeysPage() {
  const keys = useGet<{ items: ApiKey[] }>('/keys');
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<string[]>(['read']);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [banner, setBanner] = useState<Banner | null>(null);
  const [made, setMade] = useState<{ name: string; key: string } | null>(null);
  const madeRef = useRef<HTMLDivElement>(null);

  useEffect(() => madeRef.current?.focus(), [made]);

  const create = async (e: Event): Promise<void> => {
    e.preventDefault();
    setErrors({});
    setBanner(null);
    try {
      const r = await request<ApiKey & { key: string }>('POST', '/keys', { json: { name, scopes } });
      setMade({ name: r.data.name, key: r.data.key });
      setName('');
      keys.reload();
    } catch (err) {
      if (err instanceof ApiError && err.status === 422) setErrors(errorsByPath(err.problem.errors ?? []));
      setBanner({ tone: 'error', text: describeError(err) });
    }
  };

  const revoke = async (k: ApiKey): Promise<void> => {
    if (!window.confirm(`Revoke the key “${k.name}” (${k.prefix}…)? Whatever uses it stops working at once.`)) return;
    try {
      await request('DELETE', `/keys/${k.id}`);
      setBanner({ tone: 'success', text: `Revoked “${k.name}”.` });
      keys.reload();
    } catch (err) {
      setBanner({ tone: 'error', text: describeError(err) });
    }
  };

  return (
    <>
      <PageTitle>API keys</PageTitle>
      <p>Scripts and integrations use the Administration API with a key: <code>Authorization: Bearer hk_…</code>.</p>
      <BannerView banner={banner} />
      {made ? (
        <div class="banner success key-made" ref={madeRef} tabIndex={-1} role="status">
          <p>
            The key “{made.name}” is shown <strong>this once</strong>; hookline keeps only its hash. Copy it now:
          </p>
          <p>
            <code class="secret" id="new-key">
              {made.key}
            </code>
          </p>
          <button type="button" onClick={() => void navigator.clipboard?.writeText(made.key)}>
            Copy
          </button>{' '}
          <button type="button" onClick={() => setMade(null)}>
            Done
          </button>
        </div>
      ) : null}
      <FormContext.Provider value={{ errors, readOnly: false }}>
        <form class="editor" onSubmit={create} noValidate>
          <h2>Make a key</h2>
          <TextField path="name" label="Who or what uses it" required value={name} onValue={setName} />
          <fieldset>
            <legend>Scopes</legend>
            {SCOPES.map((s) => (
              <CheckboxField
                key={s.id}
                path={`scopes-${s.id}`}
                label={s.label}
                checked={scopes.includes(s.id)}
                onValue={(on) => setScopes((cur) => (on ? [...cur, s.id] : cur.filter((x) => x !== s.id)))}
              />
            ))}
            {errors['scopes'] ? <p class="error">{errors['scopes']}</p> : null}
          </fieldset>
          <div class="actions">
            <button type="submit" class="primary">
              Make key
            </button>
          </div>
        </form>
      </FormContext.Provider>
      <h2>Keys</h2>
      <ListView items={keys.data?.items} error={keys.error} what="keys" empty="No keys made yet (HOOKLINE_API_KEY, if set, is not listed).">
        {(items) => (
          <ListTable columns={['Name', 'Starts with', 'Scopes', 'Made', 'Last used', ACTIONS]}>
            {items.map((k) => (
              <tr key={k.id}>
                <th scope="row">{k.name}</th>
                <td>
                  <code>{k.prefix}…</code>
                </td>
                <td>{k.scopes.join(', ')}</td>
                <td>
                  <Time iso={k.created_at} />
                </td>
                <td>{k.last_used_at ? <Time iso={k.last_used_at} /> : 'never'}</td>
                <td>
                  <button type="button" class="small danger" onClick={() => void revoke(k)} aria-label={`Revoke ${k.name}`}>
                    Revoke
                  </button>
                </td>
              </tr>
            ))}
          </ListTable>
        )}
      </ListView>
    </>
  );
}
