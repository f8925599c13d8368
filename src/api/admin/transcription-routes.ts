/**
 * Transcriptions of recorded answers: the list (every job, or the human queue with `mode=human&state=pending`),
 * one job, and the human queue's three actions: claim, submit the text, skip. The audio is the
 * recording's own URL (/recordings/{id}/audio), so range requests and the data-dir checks are shared.
 */
import { z } from 'zod';
import { Transcriptions, type TranscriptionsOptions } from '../../admin/transcriptions.js';
import type { TranscriptionView } from '../../admin/view-types.js';
import { strict } from '../../config/schema.js';
import { MAX_TEXT_CHARS } from '../../speech/transcribe/types.js';
import { sessionIdSchema } from './calls-routes.js';
import { pageQuery, pageSchema } from './paging.js';
import type { AdminRouter } from './router.js';

export type TranscriptionRoutesDeps = TranscriptionsOptions;

const id = z.coerce.number().int().positive();
const state = z.enum(['pending', 'done', 'failed', 'skipped']);
const mode = z.enum(['standard', 'human']);

export const transcriptionSchema: z.ZodType<TranscriptionView> = z.object({
  id: z.int(),
  session_id: z.string(),
  ivr_id: z.int(),
  response_id: z.int().meta({ description: 'The ivr_response_id of the run; unique_id in the post-back' }),
  question_no: z.int(),
  mode: mode.meta({ description: 'standard: an engine transcribes it; human: people do, here' }),
  state: state.meta({ description: 'failed and skipped say why in `failure`' }),
  duration_ms: z.int(),
  created_at: z.iso.datetime(),
  finished_at: z.iso.datetime().nullable(),
  text: z.string().nullable(),
  engine: z.string().nullable().meta({ description: 'http, local or human' }),
  attempts: z.int().meta({ description: 'Failed engine attempts so far' }),
  failure: z.string().nullable(),
  claimed_by: z.string().nullable(),
  claimed_until: z.iso.datetime().nullable(),
  transcription_url: z.string().nullable().meta({ description: 'Where the text is posted; null when the IVR has none (the text is kept here only)' }),
  postback_queued: z.boolean().meta({ description: 'The post-back is in the outbox; its attempts are in the webhook log (kind transcription)' }),
  audio_url: z.string().nullable().meta({ description: 'The recording as WAV; null once the recording is deleted' }),
});

const textBody = strict({
  text: z.string().trim().min(1, 'type the text, or skip the recording').max(MAX_TEXT_CHARS).meta({ description: 'What the caller said' }),
});
const skipBody = strict({
  reason: z.string().trim().max(500).optional().meta({ description: 'Why (nothing said, not understandable...); kept with the job' }),
});

export function registerTranscriptionRoutes(router: AdminRouter, deps: TranscriptionRoutesDeps): Transcriptions {
  const transcriptions = new Transcriptions(deps);
  const conflict = { description: 'Already finished, made by an engine, or claimed by someone else' };

  router.add({
    id: 'listTranscriptions',
    method: 'get',
    path: '/transcriptions',
    tag: 'transcriptions',
    summary: 'Transcriptions of recorded answers, oldest first',
    description: 'The human queue is `?mode=human&state=pending`.',
    scope: 'read',
    query: strict({ state: state.optional(), mode: mode.optional(), session_id: sessionIdSchema.optional(), ...pageQuery }),
    responses: { 200: { description: 'A page of transcriptions', schema: pageSchema(transcriptionSchema) } },
    handle: async (c, { query: q }) =>
      c.json(
        await transcriptions.list(
          { ...(q.state !== undefined ? { state: q.state } : {}), ...(q.mode !== undefined ? { mode: q.mode } : {}), ...(q.session_id !== undefined ? { sessionId: q.session_id } : {}) },
          q.cursor,
          q.limit,
        ),
      ),
  });

  router.add({
    id: 'getTranscription',
    method: 'get',
    path: '/transcriptions/{id}',
    tag: 'transcriptions',
    summary: 'One transcription',
    scope: 'read',
    params: z.object({ id }),
    responses: { 200: { description: 'The transcription', schema: transcriptionSchema }, 404: { description: 'No such transcription' } },
    handle: async (c, { params }) => c.json(await transcriptions.get(params.id)),
  });

  router.add({
    id: 'claimTranscription',
    method: 'post',
    path: '/transcriptions/{id}/claim',
    tag: 'transcriptions',
    summary: 'Claim a human transcription for 15 minutes, so nobody else types it meanwhile',
    description: 'Claiming again extends the claim. A claim that lapses frees the job for others.',
    scope: 'admin',
    params: z.object({ id }),
    responses: { 200: { description: 'Claimed', schema: transcriptionSchema }, 404: { description: 'No such transcription' }, 409: conflict },
    handle: async (c, { params, principal }) => c.json(await transcriptions.claim(params.id, principal.name)),
  });

  router.add({
    id: 'submitTranscription',
    method: 'post',
    path: '/transcriptions/{id}/text',
    tag: 'transcriptions',
    summary: 'Submit the text of a human transcription; its post-back is queued',
    scope: 'admin',
    params: z.object({ id }),
    body: { schema: textBody },
    responses: { 200: { description: 'Stored; the post-back is queued when the IVR has a transcription_url', schema: transcriptionSchema }, 404: { description: 'No such transcription' }, 409: conflict },
    handle: async (c, { params, body, principal }) => c.json(await transcriptions.submit(params.id, principal.name, body.text)),
  });

  router.add({
    id: 'skipTranscription',
    method: 'post',
    path: '/transcriptions/{id}/skip',
    tag: 'transcriptions',
    summary: 'Skip a human transcription: nothing is posted',
    scope: 'admin',
    params: z.object({ id }),
    body: { schema: skipBody },
    responses: { 200: { description: 'Skipped', schema: transcriptionSchema }, 404: { description: 'No such transcription' }, 409: conflict },
    handle: async (c, { params, body, principal }) => c.json(await transcriptions.skip(params.id, principal.name, body.reason)),
  });

  return transcriptions;
}
