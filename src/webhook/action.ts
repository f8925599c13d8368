/**
 * The next-action XML, parsed into a discriminated union (docs/webhook.md "The response").
 * Every action may carry `p_t` (replaces the call's pass-through when present) and user parameters.
 */
export interface ActionCommon {
  /** New pass-through string when the response had `<p_t>`; undefined keeps the old one. */
  passThrough?: string;
  /** Children of `<user_parameters>`, name -> text, in document order. */
  userParameters: Record<string, string>;
}

export interface DynamicFindMe {
  phoneList: string[];
  simultaneous: number; // default 1
  nextaction: 1 | 2 | 3 | 4 | 5 | 6 | 7; // default 1
  nextactionitem?: number;
  record: 0 | 1; // default 0
  screenMethod: 0 | 1 | 2 | 3; // default 3
  whisperPhrase: string; // default ""
  whisperAudio?: string;
  autoAccept: 0 | 1 | 2 | 3; // default 0
}

export type Action = ActionCommon &
  (
    | { app: 'survo'; id: number }
    | { app: 'findme'; id: number; dynamic?: undefined }
    | { app: 'findme'; id?: undefined; dynamic: DynamicFindMe }
    | { app: 'vr'; id: number }
    | { app: 'voicemail'; id: number }
    | { app: 'hangup' }
    | { app: 'transfer'; destination: string }
  );

export type AppName = Action['app'];
