/**
 * Key paths as the server writes them in a problem's `errors[].path` (`questions[1].max_digits`,
 * `webhook.parameters[0].value`, `options.1`), so a field built from the same segments finds its error.
 */
export type Segment = string | number;

export function pathOf(...segments: Segment[]): string {
  let out = '';
  for (const s of segments) out += typeof s === 'number' ? `[${s}]` : out === '' ? s : `.${s}`;
  return out;
}

/** The element id of the field for a path (ids may not hold brackets or dots in a CSS selector). */
export function fieldId(path: string): string {
  // DTMF keys are path segments too (`options.#`): spelled out, so `options.#` and `options.*` stay apart.
  const spelled = path.replace(/#/g, '-hash').replace(/\*/g, '-star');
  return `f-${spelled.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/-+/g, '-').replace(/-+$/, '')}`;
}

export type FieldErrors = Record<string, string>;

/** Problem issues by path; several on one path are joined. An issue on the whole body has path ''. */
export function errorsByPath(issues: ReadonlyArray<{ path: string; message: string }>): FieldErrors {
  const out: FieldErrors = {};
  for (const i of issues) out[i.path] = out[i.path] ? `${out[i.path]}; ${i.message}` : i.message;
  return out;
}

/** Errors at or under a path (`webhook` holds `webhook.url` and `webhook.parameters[0].name`). */
export function errorsUnder(errors: FieldErrors, prefix: string): string[] {
  return Object.keys(errors).filter((p) => p === prefix || p.startsWith(`${prefix}.`) || p.startsWith(`${prefix}[`));
}
