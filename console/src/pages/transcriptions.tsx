/**
 * Transcriptions of recorded answers. The human queue (the default view) is where people listen to
 * each recording marked `transcribe: human`, claim it, type what the caller said and submit it (its
 * post-back is queued then), or skip it. Other views show what the engine made of the rest.
 */
import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { BannerView, PageTitle, Time } from '../components/common';
import { Player } from '../components/call-bits';
import { FormContext, SelectField, TextArea } from '../components/fields';
import { ListView, Pager } from '../components/list';
import { describeError, query, request } from '../lib/api';
import type { Banner } from '../lib/editor';
import type { Transcription } from '../lib/history';
import { usePaged } from '../lib/use-get';

const VIEWS = [
  { value: 'queue', label: 'To type (human, pending)' },
  { value: 'done', label: 'Done' },
  { value: 'failed', label: 'Failed' },
  { value: 'skipped', label: 'Skipped' },
  { value: 'pending', label: 'Pending (every kind)' },
  { value: 'all', label: 'All' },
];

function listUrl(view: string, cursor: string | undefined): string {
  const filter = view === 'queue' ? { mode: 'human', state: 'pending' } : view === 'all' ? {} : { state: view };
  return `/transcriptions${query({ ...filter, cursor, limit: 25 })}`;
}

export function TranscriptionsPage() {
  const { query: q, route } = useLocation();
  const view = VIEWS.some((v) => v.value === q['view']) ? (q['view'] as string) : 'queue';
  const list = usePaged<Transcription>((cursor) => listUrl(view, cursor));
  const [banner, setBanner] = useState<Banner | null>(null);

  const act = async (t: Transcription, action: 'claim' | 'text' | 'skip', body?: unknown, done?: string): Promise<void> => {
    try {
      await request('POST', `/transcriptions/${t.id}/${action}`, body === undefined ? {} : { json: body });
      if (done) setBanner({ tone: 'success', text: done });
      list.reload();
    } catch (err) {
      setBanner({ tone: 'error', text: describeError(err) });
    }
  };

  return (
    <>
      <PageTitle>Transcriptions</PageTitle>
      <p>
        Recorded answers whose question says <code>transcribe: human</code> wait here for someone to type them; those with{' '}
        <code>standard</code> are transcribed by the engine the server is set up with. The text is posted to the IVR&apos;s Transcription Post Back URL when
        there is one.
      </p>
      <FormContext.Provider value={{ errors: {}, readOnly: false }}>
        <form class="filters" aria-label="Which transcriptions" onSubmit={(e) => e.preventDefault()}>
          <SelectField
            path="view"
            label="Show"
            value={view}
            choices={VIEWS}
            onValue={(v) => {
              list.first();
              route(`/transcriptions${query({ view: v === 'queue' ? '' : v })}`, true);
            }}
          />
        </form>
      </FormContext.Provider>
      <BannerView banner={banner} />
      <ListView items={list.data?.items} error={list.error} what="transcriptions" empty={view === 'queue' ? 'Nothing to type.' : 'No transcriptions.'}>
        {(items) => (
          <ul class="messages transcriptions">
            {items.map((t) => (
              <TranscriptionItem key={t.id} t={t} act={act} />
            ))}
          </ul>
        )}
      </ListView>
      <Pager list={list} />
    </>
  );
}

function TranscriptionItem({ t, act }: { t: Transcription; act(t: Transcription, action: 'claim' | 'text' | 'skip', body?: unknown, done?: string): Promise<void> }) {
  const [text, setText] = useState('');
  const label = `IVR ${t.ivr_id}, response ${t.response_id}, question ${t.question_no}`;
  const typing = t.mode === 'human' && t.state === 'pending';
  return (
    <li>
      <p>
        <strong>{label}</strong>, <Time iso={t.created_at} />, {Math.round(t.duration_ms / 1000)} s · {t.mode === 'human' ? 'typed by people' : `engine${t.engine ? ` (${t.engine})` : ''}`} ·{' '}
        <span class={`state ${t.state}`}>{t.state}</span> · <a href={`/calls/${t.session_id}`}>call timeline</a>
      </p>
      {t.audio_url ? <Player url={t.audio_url} label={`Recording of ${label}`} /> : <p>The recording has been deleted.</p>}
      {t.text !== null ? <blockquote>{t.text}</blockquote> : null}
      {t.failure !== null ? <p class="hint">{t.failure}</p> : null}
      {t.claimed_by !== null && typing ? (
        <p class="hint">
          Claimed by {t.claimed_by} until <Time iso={t.claimed_until ?? t.created_at} />
        </p>
      ) : null}
      {t.state === 'done' ? <p class="hint">{t.transcription_url ? (t.postback_queued ? `Post-back to ${t.transcription_url} queued; the webhook log shows its attempts.` : 'Not posted.') : 'Kept here only: the IVR has no Transcription Post Back URL.'}</p> : null}
      {typing ? (
        <FormContext.Provider value={{ errors: {}, readOnly: false }}>
          <form
            aria-label={`Transcribe ${label}`}
            onSubmit={(e) => {
              e.preventDefault();
              void act(t, 'text', { text }, `Saved the text of ${label}.`);
            }}
          >
            <TextArea path={`text-${t.id}`} label="What the caller said" rows={3} value={text} onValue={setText} />
            <div class="actions">
              <button type="button" onClick={() => void act(t, 'claim', undefined, `Claimed ${label} for 15 minutes.`)}>
                Claim
              </button>
              <button type="submit" class="primary" disabled={text.trim() === ''}>
                Submit text
              </button>
              <button type="button" onClick={() => void act(t, 'skip', {}, `Skipped ${label}.`)}>
                Skip
              </button>
            </div>
          </form>
        </FormContext.Provider>
      ) : null}
    </li>
  );
}
