/** The messages left in one voicemail box: play, download, delete. */
import { useEffect, useState } from 'preact/hooks';
import { BannerView, ErrorText, Loading, PageTitle, Time } from '../components/common';
import { describeError, get, query, request } from '../lib/api';
import type { Banner } from '../lib/editor';
import type { Page } from '../lib/types';

interface Message {
  id: number;
  voicemail_id: number;
  session_id: string;
  caller_id: string;
  received_at: string;
  duration_ms: number;
  duration_s: number;
  audio_url: string;
}

export function VoicemailMessagesPage({ id }: { id: string }) {
  const [page, setPage] = useState<Page<Message> | null>(null);
  const [cursors, setCursors] = useState<string[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [banner, setBanner] = useState<Banner | null>(null);
  const [generation, setGeneration] = useState(0);
  const cursor = cursors[cursors.length - 1];

  useEffect(() => {
    const ctl = new AbortController();
    get<Page<Message>>(`/voicemails/${id}/messages${query({ cursor, limit: 25 })}`, ctl.signal).then(setPage, (err: unknown) => {
      if ((err as Error).name !== 'AbortError') setError(describeError(err));
    });
    return () => ctl.abort();
  }, [id, cursor, generation]);

  const remove = async (m: Message): Promise<void> => {
    if (!window.confirm(`Delete the message from ${m.caller_id || 'a withheld number'}? Its recording is deleted too.`)) return;
    try {
      await request('DELETE', `/voicemails/${id}/messages/${m.id}`);
      setBanner({ tone: 'success', text: 'Message deleted.' });
      setGeneration((g) => g + 1);
    } catch (err) {
      setBanner({ tone: 'error', text: describeError(err) });
    }
  };

  return (
    <>
      <p class="crumbs">
        <a href={`/voicemails/${id}`}>Voicemail box {id}</a>
      </p>
      <PageTitle>{`Voicemail box ${id}: messages`}</PageTitle>
      <BannerView banner={banner} />
      {error ? <ErrorText>{error}</ErrorText> : null}
      {!page && !error ? <Loading what="messages" /> : null}
      {page && page.items.length === 0 ? <p>No messages.</p> : null}
      {page?.items.length ? (
        <ul class="messages">
          {page.items.map((m) => (
            <li key={m.id}>
              <p>
                From <strong>{m.caller_id || 'a withheld number'}</strong>, <Time iso={m.received_at} />, {m.duration_s} s · <a href={`/calls/${m.session_id}`}>call timeline</a>
              </p>
              <div class="player">
                {/* eslint-disable-next-line jsx-a11y/media-has-caption */}
                <audio controls preload="none" src={m.audio_url} aria-label={`Message from ${m.caller_id || 'a withheld number'}`} />
                <a href={m.audio_url} download>
                  Download WAV
                </a>
                <button type="button" class="small danger" onClick={() => void remove(m)}>
                  Delete
                </button>
              </div>
            </li>
          ))}
        </ul>
      ) : null}
      <div class="actions">
        {cursors.length ? (
          <button type="button" onClick={() => setCursors([])}>
            First page
          </button>
        ) : null}
        {page?.next_cursor ? (
          <button type="button" onClick={() => setCursors((c) => [...c, page.next_cursor as string])}>
            Next page
          </button>
        ) : null}
      </div>
    </>
  );
}
