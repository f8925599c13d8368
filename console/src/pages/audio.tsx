/** The audio library: the files prompts and hold music use. Upload (any common format, converted once), play, delete. */
import { useRef, useState } from 'preact/hooks';
import { BannerView, PageTitle, Time } from '../components/common';
import { ACTIONS, ListTable, ListView, Pager } from '../components/list';
import { ApiError, API_BASE, describeError, query, request } from '../lib/api';
import type { Banner } from '../lib/editor';
import type { AudioEntry } from '../lib/history';
import { usePaged } from '../lib/use-get';

const audioUrl = (name: string): string => `${API_BASE}/audio/${encodeURIComponent(name)}`;

export function AudioPage() {
  const list = usePaged<AudioEntry>((cursor) => `/audio${query({ cursor, limit: 50 })}`);
  const [banner, setBanner] = useState<Banner | null>(null);
  const [busy, setBusy] = useState(false);
  const [name, setName] = useState('');
  const fileInput = useRef<HTMLInputElement>(null);

  const upload = async (e: Event): Promise<void> => {
    e.preventDefault();
    const file = fileInput.current?.files?.[0];
    if (!file) {
      setBanner({ tone: 'error', text: 'Choose a file to upload.' });
      fileInput.current?.focus();
      return;
    }
    const form = new FormData();
    form.set('file', file);
    if (name.trim()) form.set('name', name.trim());
    setBusy(true);
    setBanner(null);
    try {
      const r = await request<AudioEntry>('POST', '/audio', { body: form });
      setBanner({ tone: 'success', text: `${r.status === 201 ? 'Stored' : 'Replaced'} ${r.data.name} (${((r.data.duration_ms ?? 0) / 1000).toFixed(1)} s). Use it in a prompt as an audio part named ${r.data.name}.` });
      setName('');
      if (fileInput.current) fileInput.current.value = '';
      list.reload();
    } catch (err) {
      setBanner({ tone: 'error', text: `Not uploaded: ${describeError(err)}` });
    } finally {
      setBusy(false);
    }
  };

  const remove = async (a: AudioEntry, force = false): Promise<void> => {
    if (!force && !window.confirm(`Delete ${a.name} from the audio library?`)) return;
    try {
      await request('DELETE', `/audio/${encodeURIComponent(a.name)}${force ? '?force=true' : ''}`);
      setBanner({ tone: 'success', text: `Deleted ${a.name}.` });
      list.reload();
    } catch (err) {
      if (err instanceof ApiError && err.status === 409 && !force && window.confirm(`${err.problem.detail}\n\nDelete it anyway? Calls then skip this audio.`)) {
        await remove(a, true);
        return;
      }
      setBanner({ tone: 'error', text: `Not deleted: ${describeError(err)}` });
    }
  };

  return (
    <>
      <PageTitle>Audio library</PageTitle>
      <p>Files for prompts (an audio part of a prompt), hold music and whisper audio. Uploads in WAV, MP3, Ogg, Opus or FLAC are converted once to the WAV calls play.</p>
      <BannerView banner={banner} />
      <form class="editor" onSubmit={upload}>
        <h2>Upload</h2>
        <div class="cols">
          <div class="field wide">
            <label htmlFor="audio-file">Audio file</label>
            <input id="audio-file" type="file" accept="audio/*,.wav,.mp3,.ogg,.opus,.flac" ref={fileInput} />
          </div>
          <div class="field wide">
            <label htmlFor="audio-name">Store as (optional)</label>
            <input id="audio-name" type="text" value={name} placeholder="greeting.wav" aria-describedby="audio-name-hint" onInput={(e) => setName(e.currentTarget.value)} />
            <div class="hint" id="audio-name-hint">
              Default: the file's own name, ending in .wav.
            </div>
          </div>
        </div>
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Uploading…' : 'Upload'}
        </button>
      </form>
      <h2>Files</h2>
      <ListView items={list.data?.items} error={list.error} what="the audio library" empty="The library is empty.">
        {(items) => (
          <ListTable columns={['Name', 'Length', 'Play', 'Changed', ACTIONS]}>
            {items.map((a) => (
              <tr key={a.name}>
                <th scope="row">
                  <code>{a.name}</code>
                  {a.problem ? <div class="error">{a.problem}</div> : null}
                </th>
                <td>{a.duration_ms === null ? '–' : `${(a.duration_ms / 1000).toFixed(1)} s`}</td>
                <td>
                  {/* eslint-disable-next-line jsx-a11y/media-has-caption */}
                  <audio controls preload="none" src={audioUrl(a.name)} aria-label={`Play ${a.name}`} />
                </td>
                <td>
                  <Time iso={a.modified_at} />
                </td>
                <td>
                  <button type="button" class="small danger" aria-label={`Delete ${a.name}`} onClick={() => void remove(a)}>
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </ListTable>
        )}
      </ListView>
      <Pager list={list} />
    </>
  );
}
