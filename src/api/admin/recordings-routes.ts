/**
 * Recordings (answers to recorded questions, voicemail messages, recorded calls, Find Me names) and
 * each voicemail box's messages. Audio is served with byte ranges so a browser's <audio> can seek.
 * (The voicemail boxes themselves, /voicemails/{id}, are configuration: config-routes.ts.)
 */
import path from 'node:path';
import { z } from 'zod';
import { Recordings, type RecordingsOptions } from '../../admin/recordings.js';
import type { VoicemailMessageView } from '../../admin/view-types.js';
import { strict } from '../../config/schema.js';
import { recordingSchema, sessionIdSchema } from './calls-routes.js';
import { pageQuery, pageSchema } from './paging.js';
import { fileRangeSource, rangeResponse } from './range.js';
import type { AdminRouter } from './router.js';

export type RecordingRoutesDeps = RecordingsOptions;

const id = z.coerce.number().int().positive();
const kind = z.enum(['question', 'voicemail', 'call', 'name']);

const voicemailMessageSchema: z.ZodType<VoicemailMessageView> = z.object({
  id: z.int(),
  voicemail_id: z.int(),
  session_id: z.string(),
  caller_id: z.string().meta({ description: 'Empty when withheld' }),
  received_at: z.iso.datetime(),
  duration_ms: z.int(),
  duration_s: z.int(),
  audio_url: z.string(),
});

export function registerRecordingRoutes(router: AdminRouter, deps: RecordingRoutesDeps): Recordings {
  const recordings = new Recordings(deps);

  router.add({
    id: 'listRecordings',
    method: 'get',
    path: '/recordings',
    tag: 'recordings',
    summary: 'Recordings, newest first',
    scope: 'read',
    query: strict({ session_id: sessionIdSchema.optional(), kind: kind.optional(), ...pageQuery }),
    responses: { 200: { description: 'A page of recordings', schema: pageSchema(recordingSchema) } },
    handle: async (c, { query: q }) =>
      c.json(await recordings.list({ ...(q.session_id !== undefined ? { sessionId: q.session_id } : {}), ...(q.kind !== undefined ? { kind: q.kind } : {}) }, q.cursor, q.limit)),
  });

  router.add({
    id: 'getRecording',
    method: 'get',
    path: '/recordings/{id}',
    tag: 'recordings',
    summary: 'One recording\'s details',
    scope: 'read',
    params: z.object({ id }),
    responses: { 200: { description: 'The recording', schema: recordingSchema }, 404: { description: 'No such recording' } },
    handle: async (c, { params }) => c.json(await recordings.get(params.id)),
  });

  router.add({
    id: 'getRecordingAudio',
    method: 'get',
    path: '/recordings/{id}/audio',
    tag: 'recordings',
    summary: 'The recording as WAV',
    description: 'Honours Range (one range: 206, or 416 past the end), If-Range and If-None-Match, so a browser can seek and replay without downloading again.',
    scope: 'read',
    params: z.object({ id }),
    responses: {
      200: { description: 'The whole WAV', contentType: 'audio/wav', headers: { 'Accept-Ranges': 'bytes', ETag: 'Changes when the file does' } },
      206: { description: 'The requested byte range', contentType: 'audio/wav', headers: { 'Content-Range': 'bytes first-last/size' } },
      304: { description: 'Not modified (If-None-Match)' },
      404: { description: 'No such recording, or its file is gone' },
      416: { description: 'The range starts past the end of the file' },
    },
    handle: async (c, { params }) => {
      const { recording, path: file } = await recordings.file(params.id);
      const name = path.basename(recording.path).replace(/[^A-Za-z0-9._-]/g, '_');
      return rangeResponse(c, await fileRangeSource(file, 'audio/wav', { contentDisposition: `inline; filename="${name}"` }));
    },
  });

  router.add({
    id: 'deleteRecording',
    method: 'delete',
    path: '/recordings/{id}',
    tag: 'recordings',
    summary: 'Delete a recording: its WAV file and its record',
    scope: 'admin',
    params: z.object({ id }),
    responses: { 204: { description: 'Deleted' }, 404: { description: 'No such recording' } },
    handle: async (c, { params }) => {
      await recordings.delete(params.id);
      return c.body(null, 204);
    },
  });

  router.add({
    id: 'listVoicemailMessages',
    method: 'get',
    path: '/voicemails/{id}/messages',
    tag: 'voicemails',
    summary: 'The messages left in a voicemail box, newest first',
    scope: 'read',
    params: z.object({ id }),
    query: strict(pageQuery),
    responses: {
      200: { description: 'A page of messages', schema: pageSchema(voicemailMessageSchema) },
      404: { description: 'No voicemail box with this id (and no messages left in one)' },
    },
    handle: async (c, { params, query }) => c.json(await recordings.voicemailMessages(params.id, query.cursor, query.limit)),
  });

  router.add({
    id: 'deleteVoicemailMessage',
    method: 'delete',
    path: '/voicemails/{id}/messages/{message_id}',
    tag: 'voicemails',
    summary: 'Delete a voicemail message: its WAV file and its record',
    scope: 'admin',
    params: z.object({ id, message_id: id }),
    responses: { 204: { description: 'Deleted' }, 404: { description: 'No such message in this box' } },
    handle: async (c, { params }) => {
      await recordings.deleteVoicemailMessage(params.id, params.message_id);
      return c.body(null, 204);
    },
  });

  return recordings;
}
