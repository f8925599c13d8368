/**
 * API key checks for the Call Initiation API. Hookline has one key with every right,
 * `HOOKLINE_API_KEY` (docs/flows.md, "Running the server"), which stands for every key form of the
 * original (docs/call-initiation.md, whose "Sources" appendix lists the original's pages by §): the Public key (`key`, `public_key`), the Access key
 * pair (`access_key` + `secret_access_key`), and a bearer token in the JSON API.
 */
import { keyMatches } from '../admin/key-compare.js';

export { keyMatches };

/** The token of an `Authorization: Bearer <token>` header (RFC 6750 §2.1; the scheme is case-insensitive). */
export function bearerToken(header: string | undefined): string | undefined {
  const m = /^Bearer[ ]+([A-Za-z0-9\-._~+/]+=*)[ ]*$/i.exec(header ?? '');
  return m?.[1];
}

/**
 * The credentials a form request presents:
 * - `access`: `access_key` + `secret_access_key`, the server-side form (§5.0 item 4, §5.3, §5.7);
 * - `public`: the Public key, `key` (§1, §5.3, §5.6) or `public_key` (§5.7, ibp_api.php only);
 * - `none`.
 * When both are present the Access key pair decides, as it is the stronger form.
 */
export type FormCredentials =
  | { form: 'access'; accessKey: string; secretAccessKey: string | undefined }
  | { form: 'public'; key: string }
  | { form: 'none' };

export function formCredentials(fields: ReadonlyMap<string, string>, publicKeyNames: readonly string[]): FormCredentials {
  const accessKey = fields.get('access_key');
  if (accessKey !== undefined) return { form: 'access', accessKey, secretAccessKey: fields.get('secret_access_key') };
  for (const name of publicKeyNames) {
    const key = fields.get(name);
    if (key !== undefined) return { form: 'public', key };
  }
  return { form: 'none' };
}

/** Whether a presented key may place calls: HOOKLINE_API_KEY, or a stored key with the `calls` scope. */
export type KeyCheck = (key: string | undefined) => Promise<boolean>;

/** The check for one configured key (HOOKLINE_API_KEY alone); an unset key lets nobody in. */
export function staticKeyCheck(apiKey: string | undefined): KeyCheck {
  return async (key) => keyMatches(apiKey, key);
}

/**
 * A key has no separate secret: both halves of the Access key pair must be the same key ("The Secret
 * Access key is used to validate the Access key", §5.3), so an integration moves over by putting its
 * hookline key in both fields.
 */
export async function formCredentialsValid(check: KeyCheck, c: FormCredentials): Promise<boolean> {
  switch (c.form) {
    case 'access': {
      // Both checks always run, so the time taken does not say which half was wrong.
      const same = c.secretAccessKey !== undefined && keyMatches(c.accessKey, c.secretAccessKey);
      const valid = await check(c.accessKey);
      return same && valid;
    }
    case 'public':
      return check(c.key);
    case 'none':
      return false;
  }
}
