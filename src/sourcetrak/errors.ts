import { HooklineError } from '../lib/errors.js';

/** SourceTrak's one error class; `code` is unknown_pool or invalid (what the tag sent). */
export class SourcetrakError extends HooklineError {}
