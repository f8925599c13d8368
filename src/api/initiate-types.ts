/**
 * The Call Initiation API's one typed request (docs/call-initiation.md, whose "Sources" appendix lists the original's pages by § §1 and §5).
 * Every wire form (legacy `click_to_xyz.php`, `ibp_api.php?action=clickto.*`, JSON `POST /api/v1/calls`)
 * is parsed into an InitiateRequest and handed to a CallInitiator; nothing after the parser sees a
 * form field name.
 */

/**
 * What to start. Legacy `app` values (§0, §1): ctc → call, ctf → findme, ctfl → findme_list,
 * ctvr → vr, ctvm → voicemail, cts → ivr (Click-to-SurVo; Click-to-IVR is the same API, §5.7).
 */
export type InitiateKind = 'ivr' | 'call' | 'findme' | 'findme_list' | 'vr' | 'voicemail';

/** Which wire form a request came in by (for logs and reports). */
export type InitiateSource = 'click_to_xyz' | 'ibp_api' | 'json';

interface InitiateCommon {
  source: InitiateSource;
  /**
   * E.164. The number dialled to start the call: `phone_to_call`, except for `call` where `type`
   * picks which of `phone_to_call` and `id` rings first (§1.1, §5.1). For a reverse Find Me
   * (`reverse`), the list is tried first and this number is called once someone there accepts (§5.3).
   */
  firstNumber: string;
  /** E.164 caller id presented on the first leg (`first_callerid`, §1.1, §1.6, §5.1, §5.2). */
  firstCallerId?: string;
  /** E.164 caller id presented on the second leg (`second_callerid`, §1.1, §5.1, §5.8). */
  secondCallerId?: string;
  /**
   * `user_parameters` (§1.6, §5.6, §5.7): names and values that reach the IVR and are substituted
   * into prompts as `@name`. Empty when none were given.
   */
  userParameters: Record<string, string>;
  /** `p_t` (§1.6, §5.7), verbatim: the call's pass-through string, sent back as `ivr_pass_through`. */
  passThrough?: string;
  /** `page` (max 255, §5.1): where the click came from; for the click-to report. */
  page?: string;
  /** `ref` (max 32, §5.1): the customer's own reference; for the click-to report. */
  ref?: string;
}

/** Where a Find Me that reaches no one reports (`no_answer_*`, §1.2, §5.2). Numbers are E.164. */
export interface NoAnswerTargets {
  email?: string;
  sms?: string;
  url?: string;
  phone?: string;
}

/** The per-call list settings of Click-to-Find Me List (§1.3, §5.3); absent means the default. */
export interface FindMeListSettings {
  /** E.164 numbers to try, in order (`list`, pipe-delimited on the wire). */
  list: string[];
  screenPrompt?: string;
  /** `usr_findme_type`: 1 Individual Find Me (default), 2 Customer Service Hunt Group. */
  findmeType?: 1 | 2;
  /** `loop_count`, 1-5. */
  loopCount?: number;
  /** `randomize`: `1` is true; the reference does not say what its `2` means (§1.3). */
  randomize?: boolean;
  record?: boolean;
  /** `use_screen`: screen the caller for information. */
  useScreen?: boolean;
  /** `dtmf_only`: the answering party must use the keypad to accept. */
  dtmfOnly?: boolean;
  /** `holdmusic`: a file of the audio library. */
  holdMusic?: string;
  /** `holdrepeat`: 0 once per session, 1 once between attempts, 2 continuously (default). */
  holdRepeat?: 0 | 1 | 2;
  /** `timeout`: seconds to ring each destination, 10-60, default 30. */
  timeoutS?: number;
  whisperPhrase?: string;
  /** `nextaction`: end-of-list action, 1-7 as in the seed's Dynamic Find Me table. */
  nextAction?: number;
  /** `nextactionitem`: the building block id that action needs. */
  nextActionItem?: number;
}

export type InitiateRequest =
  /** Click-to-SurVo / Click-to-IVR: call `firstNumber` and run IVR `blockId` on it. */
  | (InitiateCommon & { kind: 'ivr'; blockId: number })
  /** Click-to-Call: call `firstNumber`, then `secondNumber`, and bridge them. */
  | (InitiateCommon & { kind: 'call'; secondNumber: string })
  /** Click-to-Find Me: call `firstNumber` and connect it through Find Me `blockId`. */
  | (InitiateCommon & { kind: 'findme'; blockId: number; reverse: boolean; noAnswer: NoAnswerTargets })
  /** Click-to-Find Me List: as findme, with the list and its settings given per call. */
  | (InitiateCommon & { kind: 'findme_list'; reverse: boolean; noAnswer: NoAnswerTargets; findMe: FindMeListSettings })
  /** Click-to-Virtual Receptionist: call `firstNumber` and run VR `blockId` (`menu_id`). */
  | (InitiateCommon & { kind: 'vr'; blockId: number })
  /** Click-to-Voice Mail: call `firstNumber` and run voicemail box `blockId` (`vmail_box_id`). */
  | (InitiateCommon & { kind: 'voicemail'; blockId: number });

/**
 * How the first leg ended. `refused`: hookline would not dial (the dial-out policy, or a block id
 * that names nothing); `failed`: the trunk or the network gave up; `unavailable`: the node takes no new
 * call now (HOOKLINE_MAX_CALLS reached, its audio running late, its database away, or shutting down), and
 * the request may be tried again after `retryAfterS`.
 */
export type InitiateOutcome = 'connected' | 'busy' | 'no_answer' | 'failed' | 'refused' | 'unavailable';

export interface InitiateResult {
  outcome: InitiateOutcome;
  /** The call's session id (`ivr_session_id`) when a call was created. */
  sessionId?: string;
  /** A human explanation when the outcome is not `connected`. */
  reason?: string;
  /** With `unavailable`: seconds after which a new request may be taken (the answer's Retry-After). */
  retryAfterS?: number;
}

/**
 * Places the call. The returned promise settles once the first leg is answered or has failed: the
 * original answers "Call Connected." "immediately after the first leg of the call connects,
 * regardless of whether the second call leg connects" (§5.0), so the HTTP request waits for it.
 */
export interface CallInitiator {
  initiate(req: InitiateRequest): Promise<InitiateResult>;
}
