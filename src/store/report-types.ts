/** Reports and the original Administration API's stores (report-repos.ts, docs/ibp-api.md); re-exported by types.ts. */

import type { InteractionRecord, CallRecord, RecordingRecord, AnswerRecord } from './types.js';

/** Calls that started in [from, to), oldest first; `direction` narrows to one kind. */
export interface CallQuery {
  from: Date;
  to: Date;
  direction?: CallRecord['direction'];
}

/** Interactions of one IVR that started in [from, to), oldest first. */
export interface InteractionQuery {
  ivrId: number;
  from: Date;
  to: Date;
}

/** An IVR run with its answers and what the call says about the caller. */
export interface InteractionRow extends InteractionRecord {
  callerId: string;
  numberCalled: string;
  answers: AnswerRecord[];
}

/** Every given field must match; recordings come oldest first. */
export interface RecordingQuery {
  kind?: RecordingRecord['kind'];
  sessionId?: string;
  voicemailId?: number;
  findmeId?: number;
  responseId?: number;
  questionNo?: number;
}

export interface ReportRepo {
  calls(q: CallQuery, limit: number): Promise<CallRecord[]>;
  interactions(q: InteractionQuery, limit: number): Promise<InteractionRow[]>;
  recordings(q: RecordingQuery, limit: number): Promise<RecordingRecord[]>;
  recording(id: number): Promise<RecordingRecord | undefined>;
  /** Deletes one recording's row (the file is the caller's business); false when there was none. */
  deleteRecording(id: number): Promise<boolean>;
  /**
   * Deletes an IVR's interactions (those started before `before`, when given) with their answers and
   * recording rows; returns how many interactions went, and the recordings, whose files the caller removes.
   */
  deleteInteractions(q: { ivrId: number; before?: Date }): Promise<{ interactions: number; recordings: RecordingRecord[] }>;
}

/** A caller id registered through `registerednumbers.add`. */
export interface RegisteredNumber {
  /** E.164. */
  phone: string;
  description: string;
  createdAt: Date;
}

export interface RegisteredNumberRepo {
  /** Adds, or replaces the description of a number already there; says which. */
  put(n: { phone: string; description: string }): Promise<{ created: boolean }>;
  get(phone: string): Promise<RegisteredNumber | undefined>;
  list(): Promise<RegisteredNumber[]>;
  remove(phone: string): Promise<boolean>;
}
