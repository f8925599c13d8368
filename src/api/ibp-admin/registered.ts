/**
 * `registerednumbers.*`: the caller ids registered for Click-to-Call with the public key. Stored and
 * listed; the Call Initiation API does not consult them yet (docs/ibp-api.md says what it would take).
 */
import { localTimestamp } from './dates.js';
import { zoneOf, type IbpActions } from './context.js';
import type { XmlNode } from './xml.js';

export const registeredActions: IbpActions = {
  'registerednumbers.add': {
    scope: 'admin',
    run: async (req, s) => {
      const { number, created } = await s.registered.add(req.params.required('phone'), req.params.text('description') ?? '');
      return { xml: [['phone', number.phone], ['description', number.description], ['created', created]] };
    },
  },

  'registerednumbers.list': {
    scope: 'read',
    run: async (_req, s) => {
      const zone = zoneOf(s);
      const items = (await s.registered.list()).map((n): XmlNode => [
        'registered_number',
        [
          ['phone', n.phone],
          ['description', n.description],
          ['date_added', localTimestamp(n.createdAt, zone)],
        ],
      ]);
      return { xml: [['registered_numbers', items]] };
    },
  },

  'registerednumbers.remove': {
    scope: 'admin',
    run: async (req, s) => ({ xml: [['phone', await s.registered.remove(req.params.required('phone'))]] }),
  },
};
