/**
 * The audio library over HTTP: list, play (with byte ranges, so a browser can seek), upload as a raw
 * body (PUT, for scripts: `curl -T greeting.mp3 -H 'Content-Type: audio/mpeg'`) or as a form (POST,
 * what a browser's file input sends), and delete. The logic is in admin/audio.ts.
 */
import { z } from 'zod';
import { MAX_UPLOAD_BYTES, storedName, type AudioEntry, type AudioFiles, type SavedAudio } from '../../admin/audio.js';
import { FORMAT_NAMES, SUPPORTED_FORMATS, type AudioFormat } from '../../admin/audio-formats.js';
import { AdminError } from '../../admin/errors.js';
import type { AudioEntryView, UploadedAudioView } from '../../admin/view-types.js';
import { pageQuery, pageSchema } from './paging.js';
import { fileRangeSource, rangeResponse } from './range.js';
import type { AdminContext, AdminRouter } from './router.js';

export interface AudioRoutesDeps {
  /** The library; its `usedBy` decides which deletions are refused. */
  files: AudioFiles;
}

export const audioEntrySchema = z.object({
  name: z.string().meta({ description: 'The file name flows use: `audio: greeting.wav`' }),
  size_bytes: z.int(),
  duration_ms: z.int().nullable().meta({ description: 'Null when the file is not a WAV this server can read' }),
  sample_rate: z.int().nullable(),
  channels: z.int().nullable(),
  modified_at: z.iso.datetime(),
  problem: z.string().optional().meta({ description: 'Why a file put into the folder by hand cannot be played' }),
}) satisfies z.ZodType<AudioEntryView>;

const uploadedSchema = audioEntrySchema.extend({
  converted_from: z.enum(Object.keys(FORMAT_NAMES) as [AudioFormat, ...AudioFormat[]]).meta({ description: 'The format recognised in the upload' }),
}) satisfies z.ZodType<UploadedAudioView>;

function toJson(e: AudioEntry): AudioEntryView {
  return {
    name: e.name,
    size_bytes: e.sizeBytes,
    duration_ms: e.durationMs,
    sample_rate: e.sampleRate,
    channels: e.channels,
    modified_at: e.modifiedAt.toISOString(),
    ...(e.problem ? { problem: e.problem } : {}),
  };
}

const nameParam = z.object({ name: z.string().meta({ description: 'A file name of the library, e.g. `greeting.wav` (URL-encoded)' }) });

const uploadName = z.object({
  name: z.string().meta({
    description: `The name to store under: its base name plus \`.wav\` (\`greeting.mp3\` is stored as \`greeting.wav\`). Letters, digits, ".", "_", "-" and spaces; at most 100 characters.`,
  }),
});

const listQuery = z.object(pageQuery);

const deleteQuery = z.object({
  force: z.enum(['true', 'false']).default('false').meta({ description: 'Delete even when the configuration uses the file (calls then skip that audio)' }),
});

const RAW_TYPES = /^(audio\/[A-Za-z0-9.+-]+|application\/octet-stream|application\/ogg)\s*(;|$)/i;
const UPLOAD_HELP = `Send ${SUPPORTED_FORMATS}; the format is recognised from the bytes and converted once to 16-bit mono WAV (up to 16 kHz). At most ${MAX_UPLOAD_BYTES / (1024 * 1024)} MiB and 10 minutes. The original is not kept.`;
const TOO_LARGE = `the upload is larger than ${MAX_UPLOAD_BYTES / (1024 * 1024)} MiB, the most the audio library takes`;
/** Room for the multipart boundaries and headers around a file of the largest size. */
const FORM_OVERHEAD = 64 * 1024;

const uploadResponses = {
  200: { description: 'Replaced a file of that name', schema: uploadedSchema },
  201: { description: 'Stored a new file', schema: uploadedSchema },
  400: { description: 'The name is not allowed' },
  409: { description: 'Something other than a file has that name in the audio folder' },
  413: { description: `The upload is larger than ${MAX_UPLOAD_BYTES / (1024 * 1024)} MiB, or longer than 10 minutes` },
  415: { description: 'The upload is not audio, or not a format this server converts; `detail` says what it is' },
  422: { description: 'The audio is cut off or damaged; `detail` says how' },
};

function encodeCursor(name: string): string {
  return Buffer.from(name, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): string {
  const name = Buffer.from(cursor, 'base64url').toString('utf8');
  if (name === '' || encodeCursor(name) !== cursor) {
    throw new AdminError('bad_request', 'query: cursor: not a cursor this API gave', { issues: [{ path: 'cursor', message: 'not a cursor this API gave' }] });
  }
  return name;
}

function saved(c: AdminContext, result: SavedAudio): Response {
  return c.json({ ...toJson(result.entry), converted_from: result.convertedFrom }, result.created ? 201 : 200);
}

export function registerAudioRoutes(router: AdminRouter, deps: AudioRoutesDeps): void {
  const { files } = deps;

  router.add({
    id: 'listAudio',
    method: 'get',
    path: '/audio',
    tag: 'audio',
    summary: 'List the audio library',
    description: 'The `.wav` files of the audio folder by name, with their length and format. Files put into the folder by hand are listed too.',
    scope: 'read',
    query: listQuery,
    responses: { 200: { description: 'A page of files', schema: pageSchema(audioEntrySchema) } },
    handle: async (c, { query }) => {
      const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
      const page = await files.list({ limit: query.limit, ...(after !== undefined ? { after } : {}) });
      const last = page.items.at(-1);
      return c.json({ items: page.items.map(toJson), next_cursor: page.more && last ? encodeCursor(last.name) : null });
    },
  });

  router.add({
    id: 'getAudio',
    method: 'get',
    path: '/audio/{name}',
    tag: 'audio',
    summary: 'Play or download a library file',
    description: 'The WAV file itself. Byte ranges (`Range: bytes=...`) are answered with 206, so an HTML `<audio>` element can seek.',
    scope: 'read',
    params: nameParam,
    responses: {
      200: { description: 'The whole file', contentType: 'audio/wav', headers: { ETag: 'Changes when the file is replaced', 'Accept-Ranges': '`bytes`' } },
      206: { description: 'The requested byte range', contentType: 'audio/wav', headers: { 'Content-Range': '`bytes first-last/size`' } },
      304: { description: 'If-None-Match names the current ETag' },
      404: { description: 'No such file in the library' },
      416: { description: 'The range starts past the end of the file' },
    },
    handle: async (c, { params }) => {
      const file = await files.get(params.name);
      const source = await fileRangeSource(file.path, 'audio/wav', { contentDisposition: `inline; filename*=UTF-8''${encodeURIComponent(params.name)}` });
      return rangeResponse(c, source);
    },
  });

  router.add({
    id: 'putAudio',
    method: 'put',
    path: '/audio/{name}',
    tag: 'audio',
    summary: 'Upload a file to the library (raw body)',
    description: `The body is the audio file itself, with Content-Type \`audio/*\` (or \`application/octet-stream\`). ${UPLOAD_HELP}`,
    scope: 'admin',
    params: uploadName,
    body: { raw: { contentTypes: ['audio/*', 'application/octet-stream'], description: 'The audio file' } },
    maxBodyBytes: MAX_UPLOAD_BYTES,
    tooLargeDetail: TOO_LARGE,
    responses: uploadResponses,
    handle: async (c, { params }) => {
      const type = c.req.header('Content-Type');
      if (type !== undefined && !RAW_TYPES.test(type)) {
        const hint = /^multipart\/form-data/i.test(type) ? '; a form upload goes to POST /audio' : '';
        throw new AdminError('unsupported_media', `send the audio file as the body with Content-Type audio/* (got ${type})${hint}`);
      }
      const name = params.name;
      storedName(name); // a bad name is refused before the body is read
      const bytes = new Uint8Array(await c.req.arrayBuffer());
      return saved(c, await files.save(name, bytes, type));
    },
  });

  router.add({
    id: 'uploadAudio',
    method: 'post',
    path: '/audio',
    tag: 'audio',
    summary: 'Upload a file to the library (form)',
    description: `A \`multipart/form-data\` form with the audio in a field named \`file\` (what \`<input type="file" name="file">\` sends); the stored name is the file's name, or a \`name\` field when given. ${UPLOAD_HELP}`,
    scope: 'admin',
    body: { raw: { contentTypes: ['multipart/form-data'], description: 'Fields `file` (required) and `name` (optional)' } },
    maxBodyBytes: MAX_UPLOAD_BYTES + FORM_OVERHEAD,
    tooLargeDetail: TOO_LARGE,
    responses: uploadResponses,
    handle: async (c) => {
      const type = c.req.header('Content-Type') ?? '';
      if (!/^multipart\/form-data\s*;/i.test(type)) {
        throw new AdminError('unsupported_media', `send a multipart/form-data form with the audio in a field named file (got ${type || 'no Content-Type'}); a raw upload goes to PUT /audio/{name}`);
      }
      let form: FormData;
      try {
        form = await c.req.formData();
      } catch (err) {
        throw new AdminError('bad_request', `the form cannot be read: ${(err as Error).message}`);
      }
      const file = form.get('file');
      if (file === null || typeof file === 'string') {
        throw new AdminError('bad_request', 'the form has no file field: send the audio as a file in a field named file', { issues: [{ path: 'file', message: 'expected a file' }] });
      }
      const named = form.get('name');
      const name = typeof named === 'string' && named !== '' ? named : file.name;
      if (!name) throw new AdminError('bad_request', 'give the file a name, or add a name field', { issues: [{ path: 'name', message: 'expected a name' }] });
      return saved(c, await files.save(name, new Uint8Array(await file.arrayBuffer()), file.type || undefined));
    },
  });

  router.add({
    id: 'deleteAudio',
    method: 'delete',
    path: '/audio/{name}',
    tag: 'audio',
    summary: 'Delete a library file',
    description: 'Refused with 409 while the configuration refers to the file; `errors` names each place (`ivrs[id=10].questions[1].prompt`). `?force=true` deletes it anyway: calls then skip that audio.',
    scope: 'admin',
    params: nameParam,
    query: deleteQuery,
    responses: {
      204: { description: 'Deleted' },
      404: { description: 'No such file in the library' },
      409: { description: 'The configuration uses the file; `errors` lists where' },
    },
    handle: async (c, { params, query }) => {
      await files.delete(params.name, { force: query.force === 'true' });
      return c.body(null, 204);
    },
  });
}
