// The desk's calls to /api/desk. They carry the install's device credential (as
// sync does), so they need no CSRF token and keep working while the device is
// registered; files (attachments, receipt PDF, CSV) are plain links that use the
// session cookie of the sign-in.

import { ApiError, api, dataOf, undescribedBody } from '../api/http';
import type { components } from '../api/schema';
import type { PaymentProvider } from '../api/types';
import type { DeviceRecord } from '../db';
import { sha256Hex } from '../files';
import { lang } from '../i18n';
import type { DeskAction } from './actions';
import { queueQuery, type QueueFilter } from './queueState';

type S = components['schemas'];
export type QueueResponse = S['QueueResponse'];
export type QueueItem = S['QueueItem'];
export type DeskDossier = S['DeskDossier'];
export type DeskTask = S['Task'];
export type HistoryEntry = S['HistoryEntry'];
export type ActionResult = S['ActionResult'];
export type Report = S['Report'];
export type Count = S['Count'];
export type RecoveryList = S['RecoveryList'];
export type PutBackEntry = S['PutBackEntry'];
export type LostWindow = S['LostWindow'];

export interface ReportRange {
  since: string;
  until: string;
}

function headers(device: DeviceRecord): Record<string, string> {
  return { Authorization: `Device ${device.credential}`, 'Accept-Language': lang.value };
}

export function fetchQueue(device: DeviceRecord, filter: QueueFilter, signal?: AbortSignal): Promise<QueueResponse> {
  return dataOf(api.GET('/api/desk/queue', { params: { query: queueQuery(filter) }, headers: headers(device), signal }));
}

export function fetchDeskDossier(device: DeviceRecord, id: string): Promise<DeskDossier> {
  return dataOf(api.GET('/api/desk/dossiers/{dossier_id}', { params: { path: { dossier_id: id } }, headers: headers(device) }));
}

/** This dossier and its possible duplicate, in that order. */
export function fetchDuplicatePair(device: DeviceRecord, id: string): Promise<DeskDossier[]> {
  return dataOf(api.GET('/api/desk/dossiers/{dossier_id}/duplicate', { params: { path: { dossier_id: id } }, headers: headers(device) }));
}

export function act(device: DeviceRecord, id: string, action: DeskAction | 'mark_duplicate' | 'mark_not_duplicate', body: Record<string, unknown>): Promise<ActionResult> {
  return dataOf(
    api.POST('/api/desk/dossiers/{dossier_id}/actions/{action}', {
      params: { path: { dossier_id: id, action } },
      headers: headers(device),
      body: undescribedBody(body),
    }),
  );
}

export function updateTask(device: DeviceRecord, id: string, task: string, state: 'handed_over' | 'done', reference = ''): Promise<DeskTask> {
  return dataOf(
    api.POST('/api/desk/dossiers/{dossier_id}/tasks/{task}', {
      params: { path: { dossier_id: id, task } },
      headers: headers(device),
      body: { state, reference },
    }),
  );
}

/**
 * The providers record_payment accepts. A server without the list (404) takes
 * the desk only, which every server knows.
 */
export async function fetchPaymentProviders(device: DeviceRecord): Promise<PaymentProvider[]> {
  try {
    return await dataOf(api.GET('/api/desk/payment-providers', { headers: headers(device) }));
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return [{ name: 'desk', online: false }];
    throw e;
  }
}

export function reportQuery(range: ReportRange): string {
  return new URLSearchParams({ since: range.since, until: range.until }).toString();
}

export function fetchReport(device: DeviceRecord, range: ReportRange): Promise<Report> {
  return dataOf(api.GET('/api/desk/reports', { params: { query: { since: range.since, until: range.until } }, headers: headers(device) }));
}

/** After a restore: the lost windows and a page of the dossiers to redo, newest first. */
export function fetchRecovery(device: DeviceRecord, offset: number, limit: number): Promise<RecoveryList> {
  return dataOf(api.GET('/api/desk/recovery', { params: { query: { offset, limit } }, headers: headers(device) }));
}

/**
 * Uploads the result document unless the server has it, and returns its SHA-256
 * for the `complete` action. Same path as the person's files: ask which hashes
 * are missing, then tus (loaded only when a file is sent).
 */
export async function uploadResultDocument(device: DeviceRecord, file: File): Promise<string> {
  const sha256 = await sha256Hex(file);
  const where = await dataOf(api.POST('/api/blobs/missing', { headers: headers(device), body: { hashes: [sha256] } }));
  if (!where.missing.includes(sha256)) return sha256;
  const { Upload } = await import('tus-js-client');
  await new Promise<void>((resolve, reject) => {
    const upload = new Upload(file, {
      endpoint: where.upload_url ?? '/api/uploads',
      retryDelays: [0, 2000, 5000],
      chunkSize: Math.min(where.chunk_size ?? 256 * 1024, 256 * 1024),
      storeFingerprintForResuming: false,
      headers: { Authorization: `Device ${device.credential}` },
      metadata: { sha256, filename: file.name, filetype: file.type },
      onError: reject,
      onSuccess: () => resolve(),
    });
    upload.start();
  });
  return sha256;
}
