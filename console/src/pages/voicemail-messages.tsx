/** The messages left in one voicemail box: play, download, delete. */
import { useState } from 'preact/hooks';
import { BannerView, PageTitle, Time } from '../components/common';
import { Player } from '../components/call-bits';
import { ListView, Pager } from '../components/list';
import { describeError, query, request } from '../lib/api';
import type { Banner } from '../lib/editor';
import type { VoicemailMessage } from '../lib/history';
import { usePaged } from '../lib/use-get';

export function VoicemailMessagesPage({ id }: { id: string }) {
  const list = usePaged<VoicemailMessage>((cursor) => `/voicemails/${id}/messages${query({ cursor, limit: 25 })}`);
  const [banner, setBanner] = useState<Banner | null>(null);

  const remove = async (m: VoicemailMessage): Promise<void> => {
    if (!window.confirm(`Delete the message from ${m.caller_id || 'a withheld number'}? Its recording is deleted too.`)) return;
    try {
      await request('DELETE', `/voicemails/${id}/messages/${m.id}`);
      setBanner({ tone: 'success', text: 'Message deleted.' });
      list.reload();
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
      <ListView items={list.data?.items} error={list.error} what="messages" empty="No messages.">
        {(items) => (
          <ul class="messages">
            {items.map((m) => (
              <li key={m.id}>
                <p>
                  From <strong>{m.caller_id || 'a withheld number'}</strong>, <Time iso={m.received_at} />, {m.duration_s} s · <a href={`/calls/${m.session_id}`}>call timeline</a>
                </p>
                <Player url={m.audio_url} label={`Message from ${m.caller_id || 'a withheld number'}`}>
                  <button type="button" class="small danger" onClick={() => void remove(m)}>
                    Delete
                  </button>
                </Player>
              </li>
            ))}
          </ul>
        )}
      </ListView>
      <Pager list={list} />
    </>
  );
}
