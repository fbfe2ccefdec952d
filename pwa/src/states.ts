// The dossier's states by name, with their labels, from sync/states.json (made from
// sync/states.py, checked by tests/unit/test_states_json.py), so the app never types a
// state's number or its words: the server's table is the one source.

import { device_mutations, labels, states } from '../../sync/states.json';

/** A state's name as sync/states.py spells it, lower case: 'supplement_requested'. */
export type StateName = keyof typeof states;

/** The states by name, as numbered on the wire (DossierView.state): State.SUPPLEMENT_REQUESTED. */
export const State = Object.freeze(Object.fromEntries(Object.entries(states).map(([name, n]) => [name.toUpperCase(), n]))) as {
  readonly [K in StateName as Uppercase<K>]: number;
};

const NAMES = new Map<number, StateName>(Object.entries(states).map(([name, n]) => [n, name as StateName]));

/** Every state's number, in the server's order. */
export const STATE_NUMBERS: readonly number[] = [...NAMES.keys()].sort((a, b) => a - b);

/** The state's name; undefined for a number the server's table does not have. */
export function stateName(state: number): StateName | undefined {
  return NAMES.get(state);
}

/** The state in plain words (sync/states.py: LABELS); the number itself when unknown. */
export function stateLabel(state: number, lang: 'vi' | 'en'): string {
  const name = NAMES.get(state);
  return (name && labels[name][lang === 'vi' ? 0 : 1]) || String(state);
}

/** A sentence for the person: what the state means for them. Every state has one (the type says so). */
const STATE_HINTS: Record<StateName, readonly [string, string]> = {
  draft: ['Hồ sơ chưa gửi. Bạn có thể sửa tiếp.', 'Not sent yet. You can keep editing.'],
  submitted: ['Đã gửi, đang chờ cán bộ tiếp nhận.', 'Sent; waiting for an official to receive it.'],
  received: ['Cán bộ đã tiếp nhận hồ sơ.', 'An official has received the dossier.'],
  not_received: ['Hồ sơ không được tiếp nhận. Xem lý do bên dưới.', 'The dossier was not received. See why below.'],
  processing: ['Hồ sơ đang được giải quyết.', 'The dossier is being processed.'],
  supplement_requested: ['Cần bổ sung giấy tờ. Xem yêu cầu và trả lời bên dưới.', 'More documents are needed. See the request and answer below.'],
  fee_requested: ['Cần nộp lệ phí tại bộ phận một cửa.', 'A fee is due at the one-stop desk.'],
  withdrawal_requested: ['Bạn đã yêu cầu rút hồ sơ.', 'You asked to withdraw the dossier.'],
  stopped: ['Hồ sơ đã dừng xử lý.', 'Processing has stopped.'],
  done: ['Đã có kết quả. Mang bản chính giấy tờ đến nhận.', 'The result is ready. Bring the originals to collect it.'],
  returned: ['Đã trả kết quả.', 'The result has been returned.'],
};

export function stateHint(state: number, lang: 'vi' | 'en'): string | undefined {
  const name = NAMES.get(state);
  return name ? STATE_HINTS[name][lang === 'vi' ? 0 : 1] : undefined;
}

/** A kind of change the person's device sends (sync/states.py: DEVICE_MUTATIONS). */
export type DeviceMutation = keyof typeof device_mutations;

/** Whether the server takes a `kind` from the device while the dossier is in `state`. */
export function deviceMay(kind: DeviceMutation, state: number): boolean {
  return (device_mutations[kind] as readonly number[]).includes(state);
}

/** The pill's class: `state-supplement_requested` (style.css colours states by name). */
export function stateClass(state: number): string {
  return `state-${NAMES.get(state) ?? 'unknown'}`;
}
