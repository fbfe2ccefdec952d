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
export type ApologyLetter = S['ApologyLetter'];
export type SessionInfo = S['SessionInfo'];
export type VerifiedIdentityInfo = S['VerifiedIdentityInfo'];
export type OidcProviderInfo = S['OidcProviderInfo'];
export type LinkedIdentityInfo = S['LinkedIdentityInfo'];
export type DeviceCredential = S['DeviceCredential'];
export type CaptchaOut = S['CaptchaOut'];
export type LookupResult = S['LookupResult'];
export type ReserveResponse = S['ReserveResponse'];
export type WebauthnOptions = S['WebauthnOptions'];
export type RegisterRequest = S['RegisterRequest'];
export type LocalizedText = S['Text'];
export type MissingResponse = S['MissingResponse'];
export type PaymentProvider = S['ProviderInfo'];
export type HeldDossier = S['HeldDossier'];
export type HeldReservation = S['HeldReservation'];
export type HeldFile = S['HeldFile'];
export type RecoverRequest = S['RecoverRequest'];
export type PutBackResult = S['PutBackResult'];
export type RecoverResponse = S['RecoverResponse'];

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
  /** The server's receipt for confirmed_seq and generation, from the same answer (§9.1). */
  receipt?: string | null;
}

/** An RFC 9457 problem document as server/problems.py writes it. */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string | null;
  errors?: { path: string; code?: string; message?: string }[] | null;
}
