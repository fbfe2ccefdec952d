// A small in-memory stand-in for the sync server, for unit tests: exactly-once per
// (device, seq), field versions and conflicts as sync/merge.py decides them, codes on
// submit, a change feed, and files as server/attachments does them: which hashes are
// missing, tus creation / HEAD / PATCH by offset, the SHA-256 checked on the last byte,
// and the file seal (`seals` of missing, the Motcua-File-Seal header of a completed upload).
// Faults are injected per request.
//
// It can also be restored from a backup (sync/README.md §9): `snapshot()` is the backup,
// `restore(snapshot)` brings it back and begins a new generation, so a device that
// synced before answers 409 recover_first on push until it puts back what it holds
// (`POST /api/sync/recover`, with the rules of §9.2 that a client meets). With
// `{ newGeneration: false }` it is a restore nobody declared: only the seqs tell.

import type { DossierView, HeldDossier, Outcome, PullResponse, PushResponse, PutBackResult, Reason, RecoverRequest, RecoverResponse } from '../api/types';
import { State } from '../states';

type Fields = Record<string, unknown>;

interface Dossier {
  id: string;
  procedure_code: string;
  state: number;
  version: number;
  fields: Fields;
  fieldVersions: Record<string, number>;
  /** The device that last changed each field, as sync/engine.py records it (none for an official). */
  fieldDevices: Record<string, string>;
  code: string | null;
  conflicts: { id: number; path: string; server_value: unknown; device_value: unknown; resolved: boolean }[];
  messages: { at: string; author: 'official' | 'person'; text: string }[];
  /** A tombstone: the person deleted the draft. */
  deleted?: boolean;
  submitted_at?: string | null;
}

/** What a backup holds (and what a restore brings back). */
export interface Snapshot {
  dossiers: Map<string, Dossier>;
  lastSeq: Map<string, number>;
  recorded: Map<string, Outcome>;
  feed: string[];
  blobs: Map<string, Uint8Array>;
  reservations: Map<string, string>;
  deviceGenerations: Map<string, number>;
  generation: number;
  nextCode: number;
}

/** The fake's seals: anything a device could not make up without the server. */
export const dossierSeal = (id: string, code: string) => `seal-d-${id}-${code}`;
export const reservationSeal = (code: string, device: string) => `seal-r-${code}-${device}`;
export const fileSeal = (sha256: string) => `seal-f-${sha256.slice(0, 16)}`;
export const receiptOf = (device: string, lastSeq: number, generation: number) => `receipt-${device}-${lastSeq}-${generation}`;

export type Fault = 'network' | 'lost_response' | 'server_error' | 'unauthorized' | { status: number; body: unknown };

interface TusUpload {
  sha256: string;
  length: number;
  bytes: Uint8Array;
  offset: number;
}

export const UPLOADS_PATH = '/api/uploads';

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  return [...digest].map((b) => b.toString(16).padStart(2, '0')).join('');
}

function metadataValue(header: string | null, key: string): string | undefined {
  for (const pair of (header ?? '').split(',')) {
    const [k, v] = pair.trim().split(' ');
    if (k === key && v) return atob(v);
  }
  return undefined;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export class FakeServer {
  dossiers = new Map<string, Dossier>();
  lastSeq = new Map<string, number>();
  recorded = new Map<string, Outcome>();
  feed: string[] = [];
  faults: Fault[] = [];
  requests: { method: string; path: string; body?: unknown }[] = [];
  credential = 'secret';
  /** Files the server holds, by SHA-256: the database's record that this account sent them. */
  blobs = new Map<string, Uint8Array>();
  /** The blob store's bytes: content-addressed, never rewritten, kept across a restore. */
  store = new Map<string, Uint8Array>();
  uploads = new Map<string, TusUpload>();
  /** Files the server will not keep, by SHA-256: the problem it answers once it has their bytes. */
  refuses = new Map<string, { status: number; body: unknown }>();
  /** The largest chunk the server takes, as /api/blobs/missing announces it. */
  chunkSize = 256 * 1024;
  /** The server generation (§9.1): one more after each restore. */
  generation = 1;
  /** The generation each device last synced in (device_sequence.generation). */
  deviceGenerations = new Map<string, number>();
  /** Reserved codes → the device that holds them. */
  reservations = new Map<string, string>();
  /** Dossiers changed since the generation began. */
  changedThisGeneration = new Set<string>();
  /** Put-backs, once per (generation, device, dossier). */
  putBacks = new Map<string, PutBackResult>();
  /**
   * Dossiers (or reserved codes) the database refuses past the server's checks: a batch
   * or a put-back page holding one is refused whole, 400 at `$`, as the server's
   * backstop answers.
   */
  unstorable = new Set<string>();
  /** The largest request body the server (or a proxy before it) takes: past it, 413. */
  maxBodyBytes = Infinity;
  /** The feed's epoch: a restore makes every cursor unknown. */
  epoch = 1;
  private nextCode = 1;
  private nextReserved = 1;
  private nextUpload = 1;
  private nextConflict = 1;

  fetch = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    // The app's API client sends a Request; tus (FetchHttpStack) a URL and an init.
    const request = input instanceof Request ? input : null;
    const url = new URL(request ? request.url : String(input), 'http://test');
    const method = request?.method ?? init.method ?? 'GET';
    const headers = new Headers(request ? request.headers : init.headers);
    const raw = request
      ? request.body
        ? await request.text()
        : undefined
      : typeof init.body === 'string' || !init.body
        ? init.body
        : new Uint8Array(await new Response(init.body).arrayBuffer());
    if (typeof raw === 'string' && new TextEncoder().encode(raw).length > this.maxBodyBytes) {
      this.requests.push({ method, path: url.pathname + url.search });
      return this.json(413, { type: '/problems/payload_too_large', status: 413, title: 'Request Entity Too Large' });
    }
    const body = typeof raw === 'string' ? JSON.parse(raw) : raw ?? undefined;
    this.requests.push({ method, path: url.pathname + url.search, body });
    const fault = this.faults.shift();
    if (fault === 'network') throw new TypeError('Failed to fetch');
    if (fault === 'server_error') return this.json(500, { type: '/problems/internal', title: 'oops' });
    const auth = headers.get('Authorization');
    if (fault === 'unauthorized' || auth !== `Device ${this.credential}`) {
      return this.json(401, { type: '/problems/not_signed_in', title: 'sign in' });
    }
    if (fault && typeof fault === 'object') return this.json(fault.status, fault.body);
    let response: Response;
    if (url.pathname === '/api/sync/push') {
      const generation = this.deviceGenerations.get(body.device_id) ?? this.generation;
      // A set-aside item goes as an empty edit: nothing of it reaches the database.
      const refused = (body.mutations as { dossier_id: string; payload: unknown }[]).some(
        (m) => this.unstorable.has(m.dossier_id) && !same(m.payload, { changes: {} }),
      );
      response = refused
        ? this.refusedWhole()
        : generation < this.generation
          ? this.json(409, { type: '/problems/recover_first', title: 'Máy chủ đã được khôi phục từ bản sao lưu; thiết bị cần gửi lại dữ liệu', status: 409, detail: `generation ${this.generation}` })
          : this.json(200, this.push(body));
    } else if (url.pathname === '/api/sync/recover') {
      const refused =
        (body.dossiers as { id: string }[] | undefined)?.some((d) => this.unstorable.has(d.id)) ||
        (body.reservations as { code: string }[] | undefined)?.some((r) => this.unstorable.has(r.code));
      response = refused ? this.refusedWhole() : this.json(200, this.recover(body));
    }
    else if (url.pathname === '/api/sync/codes/reserve') response = this.json(200, this.reserve(body, this.reserveDevice));
    else if (url.pathname === '/api/sync/pull') response = this.json(200, this.pull(url.searchParams.get('cursor')));
    else if (url.pathname === '/api/blobs/missing') response = this.json(200, this.missing(body));
    else if (url.pathname.startsWith(UPLOADS_PATH)) response = await this.tus(method, url, headers, raw);
    else response = this.json(404, { type: '/problems/not_found' });
    if (fault === 'lost_response') throw new TypeError('connection reset');
    return response;
  };

  /** The server's backstop: the database refused something in the request, no entry named. */
  private refusedWhole(): Response {
    return this.json(400, {
      type: '/problems/invalid_request',
      status: 400,
      errors: [{ path: '$', code: 'too_long', message: 'a text longer than the database holds' }],
    });
  }

  private missing(body: { hashes: string[] }) {
    const sent = body.hashes.filter((h) => this.blobs.has(h));
    return {
      missing: body.hashes.filter((h) => !this.blobs.has(h)),
      upload_url: UPLOADS_PATH,
      chunk_size: this.chunkSize,
      seals: Object.fromEntries(sent.map((h) => [h, fileSeal(h)])),
    };
  }

  /** The server's seal on (this account, hash), as sync/seals.py's file_seal gives it. */
  fileSeal(sha256: string): string {
    return fileSeal(sha256);
  }

  /** A completed, verified upload's answers carry its seal. */
  private sealHeader(upload: TusUpload): Record<string, string> {
    return upload.offset === upload.length && this.blobs.has(upload.sha256) ? { 'Motcua-File-Seal': this.fileSeal(upload.sha256) } : {};
  }

  private async tus(method: string, url: URL, headers: Headers, body: unknown): Promise<Response> {
    const tusHeaders = { 'Tus-Resumable': '1.0.0' };
    if (method === 'POST' && url.pathname === UPLOADS_PATH) {
      const sha256 = metadataValue(headers.get('Upload-Metadata'), 'sha256');
      const length = Number(headers.get('Upload-Length'));
      if (!sha256 || !/^[0-9a-f]{64}$/.test(sha256)) return this.json(400, { type: '/problems/invalid_request' });
      const id = String(this.nextUpload++);
      this.uploads.set(id, { sha256, length, bytes: new Uint8Array(length), offset: 0 });
      return new Response(null, { status: 201, headers: { ...tusHeaders, Location: `${UPLOADS_PATH}/${id}` } });
    }
    const upload = this.uploads.get(url.pathname.slice(UPLOADS_PATH.length + 1));
    if (!upload) return this.json(404, { type: '/problems/not_found' });
    if (method === 'HEAD') {
      return new Response(null, {
        status: 200,
        headers: { ...tusHeaders, 'Upload-Offset': String(upload.offset), 'Upload-Length': String(upload.length), 'Cache-Control': 'no-store', ...this.sealHeader(upload) },
      });
    }
    if (method !== 'PATCH') return this.json(405, { type: '/problems/method_not_allowed' });
    if (headers.get('Content-Type') !== 'application/offset+octet-stream') return this.json(415, { type: '/problems/unsupported_media_type' });
    const chunk = body instanceof Uint8Array ? body : new Uint8Array();
    if (Number(headers.get('Upload-Offset')) !== upload.offset) {
      return this.json(409, { type: '/problems/offset_mismatch' });
    }
    if (chunk.length > this.chunkSize || upload.offset + chunk.length > upload.length) return this.json(413, { type: '/problems/payload_too_large' });
    upload.bytes.set(chunk, upload.offset);
    upload.offset += chunk.length;
    if (upload.offset === upload.length) {
      const refusal = this.refuses.get(upload.sha256);
      if (refusal) return this.json(refusal.status, refusal.body);
      if ((await sha256Hex(upload.bytes)) !== upload.sha256) return this.json(422, { type: '/problems/hash_mismatch' });
      this.blobs.set(upload.sha256, upload.bytes);
      this.store.set(upload.sha256, upload.bytes);
      return new Response(null, { status: 204, headers: { ...tusHeaders, 'Upload-Offset': String(upload.offset), 'Motcua-File-Seal': fileSeal(upload.sha256) } });
    }
    return new Response(null, { status: 204, headers: { ...tusHeaders, 'Upload-Offset': String(upload.offset), ...this.sealHeader(upload) } });
  }

  private json(status: number, body: unknown): Response {
    return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
  }

  push(envelope: { device_id: string; mutations: any[] }): PushResponse {
    let last = this.lastSeq.get(envelope.device_id) ?? 0;
    const outcomes: Outcome[] = [];
    let expected: number | null = null;
    for (const m of envelope.mutations) {
      if (m.seq <= last) {
        const r = this.recorded.get(`${envelope.device_id}:${m.seq}`);
        if (r) outcomes.push(r);
        continue;
      }
      if (m.seq !== last + 1) {
        expected = last + 1;
        break;
      }
      const outcome = this.apply(m, envelope.device_id);
      this.recorded.set(`${envelope.device_id}:${m.seq}`, outcome);
      outcomes.push(outcome);
      last = m.seq;
    }
    this.lastSeq.set(envelope.device_id, last);
    if (!this.deviceGenerations.has(envelope.device_id)) this.deviceGenerations.set(envelope.device_id, this.generation);
    return {
      outcomes,
      last_seq: last,
      ...(expected !== null ? { expected_seq: expected } : {}),
      generation: this.generation,
      receipt: receiptOf(envelope.device_id, last, this.generation),
    } as PushResponse;
  }

  /** The device codes are reserved for: the fake tells devices apart by id, not by credential. */
  reserveDevice = '0190a000-0000-7000-8000-000000000001';

  private reserve(body: { count: number }, device: string) {
    const codes = [];
    for (let i = 0; i < body.count; i++) {
      const code = `0007026${String(900000000 + this.nextReserved++)}`;
      this.reservations.set(code, device);
      codes.push({ code, expires_at: '2026-12-31T00:00:00Z', seal: reservationSeal(code, device) });
    }
    return { commune_code: '00070', codes };
  }

  // ---------------------------------------------------------------- backups (§9)

  /** A backup: everything the database holds now. */
  snapshot(): Snapshot {
    return structuredClone({
      dossiers: this.dossiers,
      lastSeq: this.lastSeq,
      recorded: this.recorded,
      feed: this.feed,
      blobs: this.blobs,
      reservations: this.reservations,
      deviceGenerations: this.deviceGenerations,
      generation: this.generation,
      nextCode: this.nextCode,
    });
  }

  /** The database comes back from `backup`; a new generation begins unless nobody said so. */
  restore(backup: Snapshot, options: { newGeneration?: boolean } = {}): void {
    const s = structuredClone(backup);
    this.dossiers = s.dossiers;
    this.lastSeq = s.lastSeq;
    this.recorded = s.recorded;
    this.feed = s.feed;
    this.blobs = s.blobs;
    this.reservations = s.reservations;
    this.deviceGenerations = s.deviceGenerations;
    this.generation = s.generation;
    this.nextCode = s.nextCode;
    // What a put-back is compared with: the state the backup held.
    this.changedThisGeneration.clear();
    if (options.newGeneration ?? true) {
      this.generation++;
      this.epoch++;
      // Codes of the new generation count from their own range: none handed out twice.
      this.nextCode = 500_000_000 * (this.generation - 1) + 1;
    }
  }

  /** POST /api/sync/recover, with the rules of §9.2 that a client meets. */
  recover(request: RecoverRequest): RecoverResponse {
    // The defaults of sync/messages.py RecoverRequest.
    const body = { confirmed_seq: 0, generation: null, dossiers: [], reservations: [], files: [], done: true, ...request };
    const device = body.device_id;
    // Files first: taken back from the store by their seal, else the device sends the bytes.
    const missing: string[] = [];
    let filesRestored = 0;
    for (const f of body.files) {
      if (this.blobs.has(f.sha256)) continue;
      const bytes = this.store.get(f.sha256);
      if (f.seal !== fileSeal(f.sha256) || !bytes) missing.push(f.sha256);
      else {
        this.blobs.set(f.sha256, bytes);
        filesRestored++;
      }
    }
    const results: PutBackResult[] = [];
    for (const held of body.dossiers) {
      const key = `${this.generation} ${device} ${held.id}`;
      const result = this.putBacks.get(key) ?? this.putBack(held);
      this.putBacks.set(key, result);
      results.push(result);
    }
    let restored = 0;
    const refused: Reason[] = [];
    for (const r of body.reservations) {
      const holder = this.reservations.get(r.code);
      if (r.seal !== reservationSeal(r.code, device) || (holder && holder !== device)) {
        refused.push({ code: 'seal_invalid', path: r.code, message: 'seal_invalid' });
      } else {
        this.reservations.set(r.code, device);
        restored++;
      }
    }
    if (body.done) {
      this.lastSeq.set(device, Math.max(this.lastSeq.get(device) ?? 0, body.confirmed_seq));
      this.deviceGenerations.set(device, this.generation);
    }
    const lastSeq = this.lastSeq.get(device) ?? 0;
    return {
      generation: this.generation,
      last_seq: lastSeq,
      receipt: receiptOf(device, lastSeq, this.generation),
      recovered: body.done,
      results,
      reservations_restored: restored,
      reservations_refused: refused,
      files_restored: filesRestored,
      files_missing: missing,
    };
  }

  private putBack(h: HeldDossier): PutBackResult {
    const result = (status: PutBackResult['status'], d: Dossier | undefined, more: Partial<PutBackResult> = {}): PutBackResult => ({
      dossier_id: h.id,
      status,
      ...(d ? { version: d.version, state: d.state, code: d.code } : {}),
      ...more,
    });
    const rejected = (code: string) => result('rejected', undefined, { reasons: [{ code, path: 'code', message: code }] });
    let d = this.dossiers.get(h.id);
    if (h.deleted) {
      if (!d || d.deleted || d.state !== State.DRAFT || this.changedThisGeneration.has(h.id)) return result('kept', d);
      d.version++;
      d.fields = {};
      d.fieldVersions = {};
      d.deleted = true;
      this.publish(d);
      return result('restored', d);
    }
    const submitted = h.state !== State.DRAFT;
    if (submitted) {
      if (!h.code || h.seal !== dossierSeal(h.id, h.code)) return rejected('seal_invalid');
      if ([...this.dossiers.values()].some((o) => o.id !== h.id && o.code === h.code)) return rejected('code_taken');
    }
    const fields = (h.fields ?? {}) as Fields;
    if (!d) {
      d = {
        id: h.id, procedure_code: h.procedure_code, state: submitted ? State.SUBMITTED : State.DRAFT, version: 1, fields: { ...fields },
        fieldVersions: Object.fromEntries(Object.keys(fields).map((k) => [k, 1])), fieldDevices: {}, code: submitted ? h.code! : null,
        conflicts: [], messages: [], submitted_at: h.submitted_at ?? null,
      };
      this.dossiers.set(d.id, d);
      this.publish(d);
      return result('restored', d);
    }
    if (d.deleted || d.state !== State.DRAFT) return result('kept', d);
    const differing = [...new Set([...Object.keys(fields), ...Object.keys(d.fields)])].filter((p) => !same(d!.fields[p], fields[p]));
    if (this.changedThisGeneration.has(d.id) && differing.length) {
      const conflicts = differing.map((path) => {
        const c = { id: this.nextConflict++, path, server_value: d!.fields[path] ?? null, device_value: fields[path] ?? null, resolved: false };
        d!.conflicts.push(c);
        return { conflict_id: c.id, path, server_value: c.server_value, device_value: c.device_value };
      });
      d.version++;
      this.publish(d);
      return result('conflict', d, { conflicts });
    }
    if (!differing.length && !submitted) return result('kept', d);
    d.version++;
    for (const p of differing) {
      if (fields[p] === undefined) delete d.fields[p];
      else d.fields[p] = fields[p];
      d.fieldVersions[p] = d.version;
    }
    if (submitted) {
      d.state = State.SUBMITTED;
      d.code = h.code!;
    }
    this.publish(d);
    return result('restored', d);
  }

  private apply(m: any, device: string): Outcome {
    const base = { seq: m.seq, mutation_id: m.id, dossier_id: m.dossier_id };
    const reject = (code: string, path = '') => ({ ...base, status: 'rejected' as const, reasons: [{ code, path, message: code }] });
    let d = this.dossiers.get(m.dossier_id);
    if (m.kind === 'create_draft') {
      if (d) return reject('already_exists');
      d = {
        id: m.dossier_id, procedure_code: m.payload.procedure_code, state: State.DRAFT, version: 1, fields: {},
        fieldVersions: {}, fieldDevices: {}, code: null, conflicts: [], messages: [],
      };
      for (const [k, v] of Object.entries(m.payload.fields ?? {})) {
        if (k.startsWith('bad.')) return reject('unknown_field', `payload.changes.${k}`);
        d.fields[k] = v;
        d.fieldVersions[k] = 1;
        d.fieldDevices[k] = device;
      }
      this.dossiers.set(d.id, d);
      this.publish(d);
      return { ...base, status: 'applied', version: 1, state: State.DRAFT };
    }
    if (!d) return reject('unknown_dossier', 'dossier_id');
    if (d.deleted) return m.kind === 'delete_draft' ? { ...base, status: 'applied', version: d.version, state: State.DRAFT } : reject('draft_deleted', 'dossier_id');
    const result = (status: Outcome['status'], conflicts: Outcome['conflicts'] = []) => ({
      ...base, status, version: d!.version, state: d!.state, code: d!.code, conflicts,
    });
    switch (m.kind) {
      case 'edit_draft': {
        if (d.state !== State.DRAFT) return reject('not_allowed_in_state', 'kind');
        const apply: Fields = {};
        const conflicts: { path: string; server: unknown; device: unknown }[] = [];
        for (const [path, value] of Object.entries(m.payload.changes as Fields)) {
          if (path.startsWith('bad.')) return reject('unknown_field', `payload.changes.${path}`);
          if ((d.fieldVersions[path] ?? 0) <= m.base_version || same(d.fields[path], value)) apply[path] = value;
          else conflicts.push({ path, server: d.fields[path], device: value });
        }
        const effective = Object.entries(apply).filter(([p, v]) => !same(d!.fields[p], v));
        if (!effective.length && !conflicts.length) return result(m.base_version >= d.version ? 'applied' : 'merged');
        const status = m.base_version >= d.version ? 'applied' : 'merged';
        d.version++;
        for (const [p, v] of effective) {
          if (v === null) delete d.fields[p];
          else d.fields[p] = v;
          d.fieldVersions[p] = d.version;
          d.fieldDevices[p] = device;
        }
        const fc = conflicts.map((c) => {
          const conflict = { id: this.nextConflict++, path: c.path, server_value: c.server, device_value: c.device, resolved: false };
          d!.conflicts.push(conflict);
          return { conflict_id: conflict.id, path: c.path, server_value: c.server, device_value: c.device };
        });
        this.publish(d);
        return result(fc.length ? 'conflict' : status, fc);
      }
      case 'attach': {
        const list = (d.fields[m.payload.path] as string[] | undefined) ?? [];
        if (list.includes(m.payload.sha256)) return result('applied');
        d.version++;
        d.fields[m.payload.path] = [...list, m.payload.sha256];
        d.fieldVersions[m.payload.path] = d.version;
        d.fieldDevices[m.payload.path] = device;
        this.publish(d);
        return result('applied');
      }
      case 'detach': {
        // As sync/engine.py: a file the dossier does not hold is already detached.
        const list = (d.fields[m.payload.path] as string[] | undefined) ?? [];
        if (!list.includes(m.payload.sha256)) return result('applied');
        d.version++;
        d.fields[m.payload.path] = list.filter((h) => h !== m.payload.sha256);
        d.fieldVersions[m.payload.path] = d.version;
        d.fieldDevices[m.payload.path] = device;
        this.publish(d);
        return result('applied');
      }
      case 'resolve_conflict': {
        const c = d.conflicts.find((x) => x.id === m.payload.conflict_id);
        if (!c) return reject('unknown_conflict');
        c.resolved = true;
        d.version++;
        const value = m.payload.choice === 'server' ? c.server_value : m.payload.choice === 'device' ? c.device_value : m.payload.value;
        d.fields[c.path] = value;
        d.fieldVersions[c.path] = d.version;
        d.fieldDevices[c.path] = device;
        this.publish(d);
        return result('applied');
      }
      case 'submit': {
        if (d.state !== State.DRAFT) return reject('not_allowed_in_state', 'kind');
        if (d.conflicts.some((c) => !c.resolved)) return reject('unresolved_conflicts');
        if (!d.fields['contact.phone']) return reject('required', 'contact.phone');
        d.version++;
        d.state = State.SUBMITTED;
        d.code = m.payload.reserved_code ?? `0007026${String(this.nextCode++).padStart(9, '0')}`;
        this.publish(d);
        return { ...result('applied'), seal: dossierSeal(d.id, d.code!) };
      }
      case 'delete_draft': {
        if (d.state !== State.DRAFT) return reject('submitted_withdraw_instead', 'kind');
        // As sync/engine.py: not from a view older than another device's change.
        const unseen = Object.entries(d.fieldVersions).some(([p, v]) => v > m.base_version && d!.fieldDevices[p] !== device);
        if (unseen) return reject('changed_since_seen', 'base_version');
        d.version++;
        d.fields = {};
        d.fieldVersions = {};
        d.fieldDevices = {};
        d.deleted = true;
        this.publish(d);
        return result('applied');
      }
      case 'answer_supplement': {
        if (d.state !== State.SUPPLEMENT_REQUESTED) return reject('not_allowed_in_state', 'kind');
        d.version++;
        for (const [p, v] of Object.entries(m.payload.changes ?? {})) {
          if (v === null) delete d.fields[p];
          else d.fields[p] = v;
          d.fieldVersions[p] = d.version;
          d.fieldDevices[p] = device;
        }
        if (m.payload.message) d.messages.push({ at: new Date().toISOString(), author: 'person', text: m.payload.message });
        d.state = State.PROCESSING;
        this.publish(d);
        return result('applied');
      }
      default:
        return reject('not_allowed_in_state', 'kind');
    }
  }

  /** What an official does on the back office. */
  official(id: string, change: { state?: number; message?: string; field?: [string, unknown] }): void {
    const d = this.dossiers.get(id)!;
    d.version++;
    if (change.state !== undefined) d.state = change.state;
    if (change.message) d.messages.push({ at: new Date().toISOString(), author: 'official', text: change.message });
    if (change.field) {
      d.fields[change.field[0]] = change.field[1];
      d.fieldVersions[change.field[0]] = d.version;
      delete d.fieldDevices[change.field[0]];
    }
    this.publish(d);
  }

  private publish(d: Dossier): void {
    this.feed.push(d.id);
    this.changedThisGeneration.add(d.id);
  }

  view(d: Dossier): DossierView {
    return {
      id: d.id, procedure_code: d.procedure_code, schema_version: 1, state: d.state, version: d.version,
      fields: { ...d.fields }, code: d.code, ...(d.code ? { seal: dossierSeal(d.id, d.code) } : {}),
      conflicts: d.conflicts.filter((c) => !c.resolved).map((c) => ({
        id: c.id, path: c.path, server_value: c.server_value, device_value: c.device_value, device_id: null,
        created_at: new Date().toISOString(),
      })),
      messages: d.messages,
      ...(d.deleted ? { deleted: true } : {}),
    } as DossierView;
  }

  pull(cursor: string | null): PullResponse {
    // A cursor of another epoch (before a restore) is unknown: a full resend.
    const [epoch, at] = (cursor ?? '').split('.');
    const known = cursor !== null && Number(epoch) === this.epoch;
    const from = known ? Number(at) : 0;
    const page = this.feed.slice(from, from + 2);
    const ids = [...new Set(page)];
    const next = from + page.length;
    return {
      dossiers: ids.map((id) => this.view(this.dossiers.get(id)!)),
      cursor: `${this.epoch}.${next}`,
      more: next < this.feed.length,
      reset: cursor !== null && !known,
      pending: false,
      generation: this.generation,
    };
  }
}
