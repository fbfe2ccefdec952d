// Outreach work (đăng ký khai sinh lưu động): codes reserved while online, bound to
// each birth registered offline, so the family leaves with its final code.

import { api, dataOf, type Fetch } from './api/http';
import { getMeta, type DeviceRecord, type MotcuaDB, type ReservedCode } from './db';
import { DEVICE_KEY } from './sync';

export async function reserveCodes(db: MotcuaDB, count: number, fetch?: Fetch): Promise<ReservedCode[]> {
  const device = await getMeta<DeviceRecord>(db, DEVICE_KEY);
  if (!device) throw new Error('no_device');
  const answer = await dataOf(
    api.POST('/api/sync/codes/reserve', {
      fetch,
      headers: { Authorization: `Device ${device.credential}` },
      body: { count },
    }),
  );
  // The seal lets a restored server take the reservation back from this device (§9).
  const codes: ReservedCode[] = answer.codes.map((c) => ({
    code: c.code,
    commune_code: answer.commune_code,
    expires_at: c.expires_at,
    ...(c.seal ? { seal: c.seal } : {}),
  }));
  const tx = db.transaction('codes', 'readwrite');
  for (const c of codes) await tx.store.put(c);
  await tx.done;
  return codes;
}

export async function unusedCodes(db: MotcuaDB): Promise<ReservedCode[]> {
  return (await db.getAll('codes')).filter((c) => !c.dossier_id).sort((a, b) => (a.code < b.code ? -1 : 1));
}

/** The next unused code of the commune, now bound to this dossier on the device. */
export async function takeReservedCode(db: MotcuaDB, dossierId: string, commune: string): Promise<string | null> {
  const tx = db.transaction('codes', 'readwrite');
  const all = await tx.store.getAll();
  const mine = all.find((c) => c.dossier_id === dossierId);
  if (mine) {
    await tx.done;
    return mine.code;
  }
  const free = all.filter((c) => !c.dossier_id && c.commune_code === commune).sort((a, b) => (a.code < b.code ? -1 : 1))[0];
  if (free) await tx.store.put({ ...free, dossier_id: dossierId });
  await tx.done;
  return free?.code ?? null;
}
