/**
 * Registered numbers: the caller ids an account registered with the original platform
 * (`registerednumbers.add`), the numbers its Click-to-Call accepted as `id` (and as `first_callerid`)
 * with the public key. Kept in E.164, however they were written, so +13125550001, 13125550001 and
 * (312) 555-0001 are one number.
 *
 * Only stored and listed for now: the Call Initiation API does not consult them yet (see
 * docs/ibp-api.md, "Registered numbers"); `isRegistered` is the question it would ask.
 */
import { normaliseDialNumber } from '../config/dial-policy.js';
import type { RegisteredNumber, RegisteredNumberRepo } from '../store/types.js';
import { AdminError } from './errors.js';

const MAX_DESCRIPTION = 200;

export class RegisteredNumbers {
  constructor(private readonly repo: RegisteredNumberRepo) {}

  /** E.164 form, or AdminError 'invalid' naming `field`. */
  static normalise(raw: string, field = 'phone'): string {
    const n = normaliseDialNumber(raw.trim());
    if (n === undefined || n.length < 4 || n.length > 16) {
      throw new AdminError('invalid', `${field}: not a phone number`, { issues: [{ path: field, message: 'not a phone number' }] });
    }
    return n;
  }

  async add(phone: string, description: string): Promise<{ number: RegisteredNumber; created: boolean }> {
    const e164 = RegisteredNumbers.normalise(phone);
    if (description.length > MAX_DESCRIPTION) {
      throw new AdminError('invalid', `description: at most ${MAX_DESCRIPTION} characters`, { issues: [{ path: 'description', message: `at most ${MAX_DESCRIPTION} characters` }] });
    }
    const { created } = await this.repo.put({ phone: e164, description });
    const number = await this.repo.get(e164);
    if (!number) throw new AdminError('conflict', `${e164} was removed while it was being added`);
    return { number, created };
  }

  list(): Promise<RegisteredNumber[]> {
    return this.repo.list();
  }

  async remove(phone: string): Promise<string> {
    const e164 = RegisteredNumbers.normalise(phone);
    if (!(await this.repo.remove(e164))) throw new AdminError('not_found', `${e164} is not a registered number`);
    return e164;
  }

  async isRegistered(phone: string): Promise<boolean> {
    const e164 = normaliseDialNumber(phone.trim());
    return e164 !== undefined && (await this.repo.get(e164)) !== undefined;
  }
}
