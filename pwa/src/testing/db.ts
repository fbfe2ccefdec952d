import 'fake-indexeddb/auto';
import { openDatabase, setMeta, type MotcuaDB } from '../db';
import { DEVICE_KEY } from '../sync';

let n = 0;

export async function freshDb(): Promise<MotcuaDB> {
  n++;
  return openDatabase(`test-${Date.now()}-${n}-${Math.random()}`);
}

export async function withDevice(db: MotcuaDB, credential = 'secret', deviceId = '0190a000-0000-7000-8000-000000000001'): Promise<void> {
  await setMeta(db, DEVICE_KEY, {
    device_id: deviceId,
    credential,
    account_id: 'a',
    email: 'a@example.vn',
    full_name: 'A',
    role: 'citizen',
    commune_code: '',
    registered_at: new Date().toISOString(),
  });
}
