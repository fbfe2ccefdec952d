// Letters the server writes for the person (the receipt; the apology with a new date, numbered per
// dossier: server/receipts/apology.py), fetched with the device credential as sync is,
// so they open on the phone without a browser session. Not kept on the device: each
// opening reads the server's copy, which needs a connection.

import { api, dataOf, type Fetch } from './api/http';
import { getMeta, type DeviceRecord, type MotcuaDB } from './db';
import { DEVICE_KEY } from './syncKeys';

/** The apology letter `number` of the dossier, as a PDF. Throws NetworkError offline. */
export async function apologyLetter(db: MotcuaDB, dossierId: string, number: number, fetch?: Fetch): Promise<Blob> {
  const device = await getMeta<DeviceRecord>(db, DEVICE_KEY);
  if (!device) throw new Error('no_device');
  return dataOf(
    api.GET('/api/dossiers/{dossier_id}/apology/{number}', {
      fetch,
      params: { path: { dossier_id: dossierId, number } },
      headers: { Authorization: `Device ${device.credential}`, Accept: 'application/pdf' },
      parseAs: 'blob',
    }),
  );
}

/** The dossier's receipt (biên nhận), as a PDF. Throws NetworkError offline. */
export async function receiptPdf(db: MotcuaDB, dossierId: string, fetch?: Fetch): Promise<Blob> {
  const device = await getMeta<DeviceRecord>(db, DEVICE_KEY);
  if (!device) throw new Error('no_device');
  return dataOf(
    api.GET('/api/dossiers/{dossier_id}/receipt.pdf', {
      fetch,
      params: { path: { dossier_id: dossierId } },
      headers: { Authorization: `Device ${device.credential}`, Accept: 'application/pdf' },
      parseAs: 'blob',
    }),
  );
}
