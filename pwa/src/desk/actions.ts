// The desk's actions as the screens offer them: which ones a state allows (from
// sync/states.json, made from DESK_ACTIONS in sync/states.py, so the two cannot
// drift; the server stays the authority and answers 409 otherwise), what each form
// asks for, the request body made from the form, and the server's RFC 9457 field
// paths put back on the form's fields.

import serverTable from '../../../sync/states.json';
import type { PaymentProvider, Problem } from '../api/types';

export type DeskAction =
  | 'receive'
  | 'refuse'
  | 'start'
  | 'request_documents'
  | 'request_fee'
  | 'record_payment'
  | 'stop'
  | 'complete'
  | 'return_result'
  | 'accept_withdrawal'
  | 'message'
  | 'extend_for_verification'
  | 'apologise';

/** [vi, en] */
export type Words = readonly [string, string];

export type FieldKind = 'text' | 'textarea' | 'lines' | 'date' | 'amount' | 'choice' | 'file';

export interface FormField {
  name: string;
  kind: FieldKind;
  label: Words;
  optional?: boolean;
  choices?: readonly { value: string; label: Words }[];
  /** Shown only when this holds for the form's values. */
  when?: (values: FormValues) => boolean;
  /** Choices the server lists (GET /api/desk/payment-providers), replacing `choices` once loaded. */
  choicesFrom?: 'payment_providers';
}

/** The states the server allows `action` in (sync/states.py DESK_ACTIONS). */
export function allowedIn(action: string): readonly number[] {
  const entry = (serverTable.desk_actions as Record<string, { allowed_in: number[] } | undefined>)[action];
  if (!entry) throw new Error(`the server has no desk action ${action}`);
  return entry.allowed_in;
}

export interface ActionSpec {
  action: DeskAction;
  label: Words;
  /** The one sentence that confirms it was done. */
  done: Words;
  tone: 'primary' | 'secondary' | 'danger';
  /** The states it is allowed in. */
  states: readonly number[];
  fields: readonly FormField[];
  /** Offered only when this holds for the dossier too (the server checks it again). */
  applies?: (dossier: DossierFacts) => boolean;
}

/** What, besides its state, decides whether an action is offered for a dossier. */
export interface DossierFacts {
  /** The procedure's extended limit (working days); null when it has none. */
  extended_days?: number | null;
  extended_at?: string | null;
  overdue?: boolean;
}

export type FormValues = Record<string, string>;

const DESK_PROVIDER = { value: 'desk', label: ['Tại bộ phận một cửa (số biên lai)', 'At the desk (receipt number)'] as Words };

/** The providers the server accepts as choices: the desk first, then online ones by name. */
export function providerChoices(providers: readonly PaymentProvider[]): { value: string; label: Words }[] {
  const online = providers.filter((p) => p.name !== 'desk').sort((a, b) => a.name.localeCompare(b.name));
  return [
    DESK_PROVIDER,
    ...online.map((p) => ({
      value: p.name,
      label: (p.online ? [`${p.name} – trực tuyến (mã giao dịch mức độ 4)`, `${p.name} – online (level-4 transaction reference)`] : [p.name, p.name]) as Words,
    })),
  ];
}

const MESSAGE: FormField = { name: 'message', kind: 'textarea', label: ['Lời nhắn cho người nộp (không bắt buộc)', 'Message to the applicant (optional)'], optional: true };
const REASON: FormField = { name: 'reason', kind: 'textarea', label: ['Lý do', 'Reason'] };

const FORMS: readonly Omit<ActionSpec, 'states'>[] = [
  { action: 'receive', label: ['Tiếp nhận', 'Receive'], done: ['Đã tiếp nhận hồ sơ.', 'The dossier is received.'], tone: 'primary', fields: [MESSAGE] },
  { action: 'refuse', label: ['Từ chối tiếp nhận', 'Refuse'], done: ['Đã từ chối tiếp nhận hồ sơ.', 'The dossier is refused.'], tone: 'danger', fields: [REASON] },
  { action: 'start', label: ['Bắt đầu xử lý', 'Start processing'], done: ['Đã bắt đầu xử lý hồ sơ.', 'Processing has started.'], tone: 'primary', fields: [MESSAGE] },
  {
    action: 'request_documents',
    label: ['Yêu cầu bổ sung giấy tờ', 'Request more documents'], done: ['Đã gửi yêu cầu bổ sung giấy tờ.', 'The request for documents is sent.'],
    tone: 'secondary',
    fields: [
      { name: 'documents', kind: 'lines', label: ['Giấy tờ cần bổ sung (mỗi dòng một loại)', 'Documents needed (one per line)'] },
      REASON,
      { name: 'due_date', kind: 'date', label: ['Hạn bổ sung', 'Due by'] },
    ],
  },
  {
    action: 'request_fee',
    label: ['Yêu cầu nộp lệ phí', 'Request the fee'], done: ['Đã gửi yêu cầu nộp lệ phí.', 'The fee is requested.'],
    tone: 'secondary',
    fields: [
      { name: 'amount', kind: 'amount', label: ['Số tiền (đồng)', 'Amount (đồng)'] },
      {
        name: 'method',
        kind: 'choice',
        label: ['Cách nộp', 'How to pay'],
        choices: [
          { value: 'desk', label: ['Tại bộ phận một cửa', 'At the desk'] },
          { value: 'online', label: ['Trực tuyến (mức độ 4)', 'Online (level 4)'] },
        ],
      },
      MESSAGE,
    ],
  },
  {
    action: 'record_payment',
    label: ['Ghi nhận đã nộp lệ phí', 'Record the payment'], done: ['Đã ghi nhận nộp lệ phí.', 'The payment is recorded.'],
    tone: 'primary',
    fields: [
      {
        name: 'provider',
        kind: 'choice',
        label: ['Nơi nộp', 'Paid'],
        choices: [DESK_PROVIDER],
        choicesFrom: 'payment_providers',
      },
      { name: 'reference', kind: 'text', label: ['Số biên lai hoặc mã giao dịch', 'Receipt number or transaction reference'] },
    ],
  },
  { action: 'stop', label: ['Dừng xử lý', 'Stop processing'], done: ['Đã dừng xử lý hồ sơ.', 'Processing is stopped.'], tone: 'danger', fields: [REASON] },
  {
    action: 'complete',
    label: ['Đã xử lý xong', 'Done'], done: ['Đã xử lý xong hồ sơ.', 'The dossier is done.'],
    tone: 'primary',
    fields: [
      { name: 'register_number', kind: 'text', label: ['Số đăng ký (sổ hộ tịch)', 'Register number'] },
      { name: 'result', kind: 'file', label: ['Văn bản kết quả (PDF hoặc ảnh, nếu cấp bản điện tử)', 'Result document (PDF or image, if issued electronically)'], optional: true },
      MESSAGE,
    ],
  },
  {
    action: 'return_result',
    label: ['Trả kết quả', 'Return the result'], done: ['Đã trả kết quả.', 'The result is returned.'],
    tone: 'primary',
    fields: [
      {
        name: 'method',
        kind: 'choice',
        label: ['Cách trả', 'How'],
        choices: [
          { value: 'desk', label: ['Tại bộ phận một cửa', 'At the desk'] },
          { value: 'post', label: ['Qua bưu chính', 'By post'] },
        ],
      },
      { name: 'tracking_number', kind: 'text', label: ['Số vận đơn bưu chính', 'Postal tracking number'], when: (v) => v.method === 'post' },
    ],
  },
  { action: 'accept_withdrawal', label: ['Chấp nhận rút hồ sơ', 'Accept the withdrawal'], done: ['Đã chấp nhận rút hồ sơ.', 'The withdrawal is accepted.'], tone: 'danger', fields: [MESSAGE] },
  { action: 'message', label: ['Nhắn cho người nộp', 'Message the applicant'], done: ['Đã gửi tin nhắn cho người nộp.', 'The message is sent.'], tone: 'secondary', fields: [{ ...REASON, label: ['Nội dung', 'Message'] }] },
  {
    action: 'extend_for_verification',
    label: ['Gia hạn để xác minh', 'Extend to verify'], done: ['Đã gia hạn.', 'Extended.'],
    tone: 'secondary',
    fields: [{ ...REASON, label: ['Lý do gia hạn (cần xác minh gì)', 'Why (what must be verified)'] }],
    // Once, and only for a procedure with an extended time (marriage, recognition, …).
    applies: (d) => Boolean(d.extended_days) && !d.extended_at,
  },
  {
    action: 'apologise',
    label: ['Xin lỗi và hẹn lại ngày trả', 'Apologise and set a new date'], done: ['Đã lập phiếu xin lỗi.', 'Apology letter issued.'],
    tone: 'secondary',
    fields: [
      { ...REASON, label: ['Lý do chậm trễ', 'Why it is late'] },
      { name: 'new_date', kind: 'date', label: ['Ngày hẹn trả kết quả mới', 'New date for the result'] },
    ],
    applies: (d) => Boolean(d.overdue),
  },
];

export const ACTIONS: readonly ActionSpec[] = FORMS.map((form) => ({ ...form, states: allowedIn(form.action) }));

export function allowedActions(state: number, dossier: DossierFacts = {}): ActionSpec[] {
  return ACTIONS.filter((a) => a.states.includes(state) && (!a.applies || a.applies(dossier)));
}

/** The server's field error codes in words, [vi, en]; others are shown as the server wrote them. */
const ERROR_WORDS: Record<string, Words> = {
  required: ['Chưa nhập', 'Required'],
  invalid: ['Giá trị không hợp lệ', 'Not a valid value'],
  too_long: ['Quá dài', 'Too long'],
  too_small: ['Không được nhỏ hơn 0', 'Must be 0 or more'],
  date_in_past: ['Ngày này đã qua', 'This date has passed'],
  attachment_not_uploaded: ['Tệp chưa được tải lên, hãy chọn lại tệp', 'The file was not uploaded; choose it again'],
  unknown_dossier: ['Không tìm thấy hồ sơ này', 'No such dossier'],
  online_payment_not_offered: ['Lệ phí của hồ sơ này không nộp trực tuyến được', "This dossier's fee cannot be paid online"],
  not_verified: ['Không xác nhận được khoản thanh toán này', 'This payment could not be confirmed'],
  unknown_reference: ['Không có giao dịch với mã này', 'No transaction has this reference'],
  amount_mismatch: ['Số tiền đã nộp không khớp lệ phí', 'The amount paid differs from the fee'],
  not_paid: ['Giao dịch chưa được thanh toán', 'The transaction is not paid'],
  paid_for_another_dossier: ['Giao dịch này nộp cho hồ sơ khác', 'This transaction paid another dossier'],
  not_after_today: ['Ngày hẹn mới phải sau hôm nay', 'The new date must be after today'],
  not_a_working_day: ['Ngày hẹn mới phải là ngày làm việc', 'The new date must be a working day'],
  too_far: ['Ngày hẹn mới quá xa', 'The new date is too far ahead'],
};

/**
 * A field error in the reader's language. The server's `message` is English for
 * developers (msgspec's "Object missing required field …"): it is shown only in
 * English, and only for a code the app does not know.
 */
export function errorText(error: { code?: string | null; message?: string }, language: 'vi' | 'en'): string {
  const words = error.code ? ERROR_WORDS[error.code] : undefined;
  if (words) return language === 'vi' ? words[0] : words[1];
  const fallback = ERROR_WORDS.invalid!;
  return language === 'vi' ? fallback[0] : error.message || fallback[1];
}

/** The form's starting values: the first choice of each choice field. */
export function initialValues(spec: ActionSpec): FormValues {
  const values: FormValues = {};
  for (const f of spec.fields) values[f.name] = f.kind === 'choice' ? (f.choices?.[0]?.value ?? '') : '';
  return values;
}

export function visibleFields(spec: ActionSpec, values: FormValues): FormField[] {
  return spec.fields.filter((f) => !f.when || f.when(values));
}

/**
 * "50.000" or "50 000" → 50000. What is not a whole amount goes to the server as
 * typed, which refuses it with the field's path (one place decides what is valid).
 */
export function parseAmount(raw: string): number | string {
  const compact = raw.replace(/[\s.,_]/g, '');
  return /^\d{1,12}$/.test(compact) ? Number(compact) : raw.trim();
}

/**
 * The request body for `spec` from the form. Empty optional fields are left out
 * (the server's defaults apply); empty required ones too, so that the server
 * names them. `resultSha256` is the uploaded result document, if any.
 */
export function buildPayload(spec: ActionSpec, values: FormValues, resultSha256?: string | null): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const f of visibleFields(spec, values)) {
    const raw = (values[f.name] ?? '').trim();
    if (f.kind === 'file') {
      if (resultSha256) body.result_sha256 = resultSha256;
      continue;
    }
    if (!raw) continue;
    if (f.kind === 'lines') body[f.name] = raw.split('\n').map((s) => s.trim()).filter(Boolean);
    else if (f.kind === 'amount') body[f.name] = parseAmount(raw);
    else body[f.name] = raw;
  }
  return body;
}

/**
 * The form field a problem's error path names: "$.due_date", "due_date",
 * "documents[0]" → the field; msgspec's "missing required field `x`" (path "$")
 * → x. Null when it names no field of the form.
 */
export function fieldOfError(error: { path?: string; message?: string }, fields: readonly { name: string }[]): string | null {
  const names = new Set(fields.map((f) => f.name));
  const path = (error.path ?? '').replace(/^\$\.?/, '');
  const head = path.split(/[.[]/)[0] ?? '';
  if (names.has(head)) return head;
  if (head === 'result_sha256' && names.has('result')) return 'result';
  const missing = /field `([^`]+)`/.exec(error.message ?? '')?.[1];
  return missing && names.has(missing) ? missing : null;
}

/**
 * The problem's field errors by form field, and the lines for above the form: each
 * error again with its field's label ("Hạn bổ sung: Ngày này đã qua"), so that the
 * box names what is wrong; one that names no field of the form, in words alone.
 */
export function problemByField(
  problem: Problem,
  fields: readonly { name: string; label?: Words }[],
  language: 'vi' | 'en' = 'vi',
): { byField: Record<string, string>; general: string[] } {
  const byField: Record<string, string> = {};
  const general: string[] = [];
  for (const e of problem.errors ?? []) {
    const field = fieldOfError(e, fields);
    const text = errorText(e, language);
    const label = fields.find((f) => f.name === field)?.label;
    if (field) byField[field] = byField[field] ? `${byField[field]}; ${text}` : text;
    general.push(label ? `${language === 'vi' ? label[0] : label[1]}: ${text}` : text);
  }
  return { byField, general };
}
