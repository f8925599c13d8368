/**
 * `@name` substitution in prompts, whisper phrases and custom audio file names (docs/webhook.md
 * "user_parameters"): a name is letters, digits and `_`; an unknown name becomes empty text, so a
 * caller never hears "at first name".
 */
const NAME = /@([A-Za-z0-9_]+)/g;

export function substitute(text: string, params: Readonly<Record<string, string>>): string {
  return text.replace(NAME, (_m, name: string) => (Object.hasOwn(params, name) ? (params[name] ?? '') : ''));
}
