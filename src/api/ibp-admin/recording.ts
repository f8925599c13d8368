/**
 * `recording.*`: Find Me call recordings by session (`sid`), and audio uploads from a public URL into
 * the audio library. An upload is named after the URL's file name (as `.wav`); `type=vmail` makes the
 * file the box's greeting, the other types only store it for flows and Find Mes to name
 * (`holdmusic: hold.wav`, `whisper_audio: ...`, `{ audio: ... }` in a prompt).
 */
import { AdminError } from '../../admin/errors.js';
import { KIND_WORDS } from '../../admin/config-kinds.js';
import { checkWavFormat, wavAnswer } from './audio-answer.js';
import { existing, update, zoneOf, type IbpActions, type IbpServices } from './context.js';
import { findmeRecordings, recordingsXml } from './findme.js';
import { invalid, notOffered, type Params } from './params.js';

const UPLOAD_TYPES = ['general', 'survo', 'voting', 'holdmusic', 'vmail', 'whisperaudio', 'prompts'] as const;

function sessionId(p: Params): string {
  const sid = p.required('sid').toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(sid)) throw invalid('sid', 'expected a session id: 32 hexadecimal digits');
  return sid;
}

/** Only Find Me recordings are reached this way, as in the original (`type` findme, its default here). */
function findmeType(p: Params): void {
  p.choice('type', ['findme']);
}

async function sessionRecordings(s: IbpServices, sid: string) {
  const recs = await s.store.reports.recordings({ kind: 'call', sessionId: sid }, 100);
  if (recs.length === 0) throw new AdminError('not_found', `no recorded call in session ${sid}`);
  return recs;
}

function uploadUrl(p: Params): string {
  const url = p.required('path');
  let ok = false;
  try {
    const u = new URL(url);
    ok = (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    ok = false;
  }
  if (!ok) throw invalid('path', 'expected a public http:// or https:// URL of the file');
  return url;
}

export const recordingActions: IbpActions = {
  'recording.download': {
    scope: 'read',
    run: async (req, s) => {
      const p = req.params;
      findmeType(p);
      const sid = sessionId(p);
      const rate = checkWavFormat(p);
      // A call is bridged once, so a session has one call recording; the first is taken if ever more.
      const [rec] = await sessionRecordings(s, sid);
      return wavAnswer(await s.recordings.read(rec!), rate, `${sid}.wav`);
    },
  },

  'recording.list': {
    scope: 'read',
    run: async (req, s) => {
      findmeType(req.params);
      const id = req.params.id('id');
      return { xml: [['id', id], ...recordingsXml(await findmeRecordings(s, id), zoneOf(s), req)] };
    },
  },

  'recording.remove': {
    scope: 'admin',
    run: async (req, s) => {
      const sid = sessionId(req.params);
      if (req.params.flag('delete_now') !== true) req.note('deleted at once: hookline keeps no deleted recordings for later');
      const recs = await sessionRecordings(s, sid);
      for (const rec of recs) await s.recordings.remove(rec);
      return { xml: [['sid', sid], ['deleted', recs.length]] };
    },
  },

  'recording.upload': {
    scope: 'admin',
    run: async (req, s) => {
      const p = req.params;
      const type = p.choice('type', UPLOAD_TYPES);
      if (type === undefined) throw invalid('type', `required: one of ${UPLOAD_TYPES.join(', ')}`);
      if (type === 'voting') throw notOffered('Not Offered: type voting: hookline has no VoteByPhone');
      if (type === 'prompts') throw notOffered('Not Offered: type prompts: a hookline Find Me has no advanced audio prompts');
      const url = uploadUrl(p);
      // The building block is checked before anything is fetched, so a wrong id costs no download.
      const box = type === 'vmail' ? existing(s, 'voicemail', p.id('id')) : undefined;
      if (box?.managedBy === 'file') {
        throw new AdminError('file_managed', `${KIND_WORDS.voicemail} ${box.key} is defined in the flows file; set its greeting there`);
      }
      const survo = type === 'survo' ? existing(s, 'ivr', p.id('id')).key : undefined;
      let name: string;
      try {
        name = (await s.uploads.fromUrl(url)).name;
      } catch (err) {
        if (err instanceof AdminError) throw invalid('path', err.message);
        throw err;
      }
      if (box) await update(s, req, box, { greeting: [{ audio: name }] });
      if (survo) req.note(`stored in the audio library; use it in SurVo ${survo}'s prompts as { audio: ${name} }`);
      return { xml: [['type', type], ['file_name', name], ['id', box?.key ?? survo]] };
    },
  },
};
