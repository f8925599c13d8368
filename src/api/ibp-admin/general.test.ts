import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ibpKit, rows, type IbpKit } from './testing.js';

let kit: IbpKit;
beforeEach(async () => (kit = await ibpKit()));
afterEach(() => kit.close());

describe('general.buildingblockids', () => {
  it('lists every building block with its id, type and name, from the file and from the API', async () => {
    await kit.call('findme.create', { name: 'Sales', numbers: '3125550102' });
    const r = await kit.call('general.buildingblockids', { format: 'xml' });
    expect(rows(r.xml!, 'building_blocks')).toEqual([
      { id: '10', type: 'survo', type_name: 'SurVo (IVR)', name: 'Survey', managed_by: 'file' },
      { id: '4', type: 'findme', type_name: 'Find Me', name: 'Office', managed_by: 'file' },
      { id: '5', type: 'findme', type_name: 'Find Me', name: 'Sales', managed_by: 'api' },
      { id: '3', type: 'virtual_receptionist', type_name: 'Virtual Receptionist', name: '', managed_by: 'file' },
      { id: '7', type: 'vmail', type_name: 'Voice Mail', name: 'Front desk', managed_by: 'file' },
    ]);
  });
});
