/**
 * What every action of the original Administration API gets: its parameters, who is asking, the
 * services, and a list of notes (settings taken but without effect in hookline, a report cut short)
 * that the answer carries in `<notes>`.
 */
import type { AudioUploads } from '../../admin/audio-upload.js';
import type { ConfigEntry, ConfigService } from '../../admin/config-service.js';
import type { ConfigKind, Json } from '../../admin/config-kinds.js';
import { KIND_WORDS } from '../../admin/config-kinds.js';
import { AdminError } from '../../admin/errors.js';
import type { Principal } from '../../admin/keys.js';
import type { RecordingFiles } from '../../admin/recording-files.js';
import type { RegisteredNumbers } from '../../admin/registered-numbers.js';
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/logger.js';
import type { Store } from '../../store/types.js';
import type { Params } from './params.js';
import type { XmlNode } from './xml.js';

export interface IbpServices {
  config: ConfigService;
  store: Store;
  recordings: RecordingFiles;
  uploads: AudioUploads;
  registered: RegisteredNumbers;
  clock: Clock;
  logger: Logger;
}

export class IbpRequest {
  readonly notes: string[] = [];

  constructor(
    readonly action: string,
    readonly params: Params,
    readonly principal: Principal,
  ) {}

  /** Who changed the configuration, for the log and the audit trail. */
  get actor(): string {
    return `ibp_api:${this.principal.name}`;
  }

  note(text: string): void {
    this.notes.push(text);
  }
}

/** XML data after `<result>success</result>`, or a file (a recording, a CSV report) sent as it is. */
export type IbpAnswer = { xml: readonly XmlNode[] } | { body: Uint8Array | string; contentType: string; filename?: string };

export interface IbpAction {
  /** `read` for what only reads, `admin` for changes (the Administration API's scopes). */
  scope: 'read' | 'admin';
  /**
   * Flows-file field → the original's parameter, so a configuration check that fails on
   * `nextactionitem` is told as `findme_action_parameter`, the name the caller sent.
   */
  fields?: Readonly<Record<string, string>>;
  run(req: IbpRequest, s: IbpServices): Promise<IbpAnswer>;
}

export type IbpActions = Readonly<Record<string, IbpAction>>;

/** An item of the live configuration, or Not Found naming it. */
export function existing(s: IbpServices, kind: ConfigKind, key: string | number): ConfigEntry {
  const entry = s.config.entry(kind, String(key));
  if (!entry) throw new AdminError('not_found', `no ${KIND_WORDS[kind]} ${kind === 'number' ? '' : 'with id '}${key}`);
  return entry;
}

/** Replaces an item with its value changed, only if nobody changed it since it was read. */
export async function update(s: IbpServices, req: IbpRequest, entry: ConfigEntry, patch: Json): Promise<ConfigEntry> {
  const r = await s.config.write(entry.kind, entry.key, { ...entry.value, ...patch }, { mode: 'put', ifMatch: [entry.etag] }, req.actor);
  return r.entry;
}

/** The zone dates are read and written in: the flows file's `timezone`. */
export function zoneOf(s: IbpServices): string {
  return s.config.current().timezone;
}

/** Whole seconds, as reports show durations. */
export const seconds = (ms: number): number => Math.round(ms / 1000);
