// Names for the server's wire shapes. Everything the OpenAPI document describes comes
// from the generated schema.d.ts (`npm run api-types`); written here are only the push
// envelope, because /api/sync/push decodes its body itself (JSON or MessagePack) and so
// the OpenAPI document does not describe it (sync/messages.py: PushEnvelope), and the
// problem document, which server/problems.py writes for every error.

import type { DeviceMutation } from '../states';
import type { components } from './schema';

type S = components['schemas'];

export type CatalogPayload = S['CatalogPayload'];
export type ProcedureSummary = S['ProcedureSummary'];
export type ProcedureDetail = S['ProcedureDetail'];
export type CommunesPayload = S['CommunesPayload'];
export type ProvinceEntry = S['ProvinceEntry'];
export type DossierView = S['DossierView'];
export type PullResponse = S['PullResponse'];
export type PushResponse = S['PushResponse'];
export type Outcome = S['Outcome'];
export type Reservation = S['Reservation'];
export type Reason = S['Reason'];
export type FieldConflict = S['FieldConflict'];
export type Conflict = S['Conflict'];
export type SupplementRequest = S['SupplementRequest'];
export type DossierMessage = S['Message'];
export type SessionInfo = S['SessionInfo'];
export type DeviceCredential = S['DeviceCredential'];
export type CaptchaOut = S['CaptchaOut'];
export type LookupResult = S['LookupResult'];
export type ReserveResponse = S['ReserveResponse'];
export type WebauthnOptions = S['WebauthnOptions'];
export type RegisterRequest = S['RegisterRequest'];
export type LocalizedText = S['Text'];
export type MissingResponse = S['MissingResponse'];
export type PaymentProvider = S['ProviderInfo'];

/** The kinds of change a device sends: those of sync/states.py DEVICE_MUTATIONS (via sync/states.json). */
export type MutationKind = DeviceMutation;

/** sync/messages.py: Mutation. */
export interface Mutation {
  seq: number;
  id: string;
  dossier_id: string;
  kind: MutationKind;
  payload: Record<string, unknown>;
  base_version: number;
  client_time?: string;
}

/** sync/messages.py: PushEnvelope. */
export interface PushEnvelope {
  device_id: string;
  mutations: Mutation[];
  /** The highest `last_seq` any push answer gave this device (§9). */
  confirmed_seq?: number;
  /** The server generation the device last synced in; null before it ever learnt one (§9). */
  generation?: number | null;
}

// ---- After a restore (sync/README.md §9.2), written by hand until the server's
// POST /api/sync/recover is in schema.d.ts (`npm run api-types`, the lead at merge):
// then these become S['HeldDossier'], … and RecoverPaths goes.

/** sync/messages.py: HeldDossier. */
export interface HeldDossier {
  id: string;
  procedure_code: string;
  schema_version: number;
  state: number;
  version: number;
  fields?: Record<string, unknown>;
  code?: string | null;
  seal?: string | null;
  submitted_at?: string | null;
  deleted?: boolean;
}

/** sync/messages.py: HeldReservation. */
export interface HeldReservation {
  code: string;
  expires_at: string;
  seal: string;
}

/** sync/messages.py: RecoverRequest. */
export interface RecoverRequest {
  device_id: string;
  confirmed_seq: number;
  generation: number | null;
  dossiers: HeldDossier[];
  reservations: HeldReservation[];
  done: boolean;
}

/** sync/messages.py: PutBackResult. */
export interface PutBackResult {
  dossier_id: string;
  status: 'restored' | 'kept' | 'conflict' | 'rejected';
  version?: number | null;
  state?: number | null;
  code?: string | null;
  conflicts?: FieldConflict[];
  reasons?: Reason[];
}

/** sync/messages.py: RecoverResponse. */
export interface RecoverResponse {
  generation: number;
  last_seq: number;
  recovered: boolean;
  results?: PutBackResult[];
  reservations_restored?: number;
  reservations_refused?: Reason[];
}

/** The path openapi-fetch will know from schema.d.ts once the endpoint is in it. */
export interface RecoverPaths {
  '/api/sync/recover': {
    parameters: { query?: never; header?: never; path?: never; cookie?: never };
    get?: never;
    put?: never;
    post: {
      parameters: { query?: never; header?: never; path?: never; cookie?: never };
      requestBody: { content: { 'application/json': RecoverRequest } };
      responses: {
        200: { headers: { [name: string]: unknown }; content: { 'application/json': RecoverResponse } };
        default: { headers: { [name: string]: unknown }; content: { 'application/json': Problem } };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
}

/** An RFC 9457 problem document as server/problems.py writes it. */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string | null;
  errors?: { path: string; code?: string; message?: string }[] | null;
}
