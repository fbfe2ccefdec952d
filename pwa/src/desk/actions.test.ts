import { describe, expect, it } from 'vitest';
import serverTable from '../../../sync/states.json';
import { ACTIONS, allowedActions, allowedIn, buildPayload, errorText, fieldOfError, initialValues, parseAmount, problemByField, providerChoices, visibleFields, type DeskAction } from './actions';

const spec = (a: DeskAction) => ACTIONS.find((s) => s.action === a)!;

describe('desk actions', () => {
  it('offers what each state allows (the twin of sync/states.py DESK_ACTIONS)', () => {
    const names = (state: number) => allowedActions(state).map((a) => a.action);
    expect(names(1)).toEqual(['receive', 'refuse', 'message']);
    expect(names(2)).toEqual(['start', 'request_documents', 'request_fee', 'stop', 'message']);
    expect(names(4)).toEqual(['request_documents', 'request_fee', 'stop', 'complete', 'message']);
    expect(names(5)).toEqual(['stop', 'message']);
    expect(names(6)).toEqual(['record_payment', 'stop', 'message']);
    expect(names(7)).toEqual(['accept_withdrawal', 'message']);
    expect(names(9)).toEqual(['return_result', 'message']);
    expect(names(10)).toEqual(['message']);
  });

  it('offers the extension once for a procedure that has one, and the apology when overdue', () => {
    const names = (state: number, facts: Parameters<typeof allowedActions>[1]) => allowedActions(state, facts).map((a) => a.action);
    expect(names(4, { extended_days: 5, extended_at: null, overdue: false })).toContain('extend_for_verification');
    expect(names(4, { extended_days: 5, extended_at: '2026-11-20T08:30:00Z' })).not.toContain('extend_for_verification');
    expect(names(4, { extended_days: null })).not.toContain('extend_for_verification');
    expect(names(4, { overdue: true })).toContain('apologise');
    expect(names(4, { overdue: false })).not.toContain('apologise');
    // Not once the dossier is decided, whatever it says.
    expect(names(9, { extended_days: 5, overdue: true })).toEqual(['return_result', 'message']);
    expect(buildPayload(spec('apologise'), { reason: ' Chờ xác minh ', new_date: '2026-11-27' })).toEqual({ reason: 'Chờ xác minh', new_date: '2026-11-27' });
  });

  it('words the known field errors in the reader\'s language', () => {
    expect(errorText({ code: 'not_a_working_day', message: 'the new date must be a working day' }, 'vi')).toBe('Ngày hẹn mới phải là ngày làm việc');
    expect(errorText({ code: 'not_a_working_day', message: 'x' }, 'en')).toBe('The new date must be a working day');
    expect(errorText({ code: 'date_in_past', message: 'the date has passed' }, 'vi')).toBe('Ngày này đã qua');
    const mapped = problemByField({ title: 'Dữ liệu chưa hợp lệ', errors: [{ path: 'reason', code: 'required', message: 'a reason is required' }] }, spec('apologise').fields, 'vi');
    expect(mapped.byField).toEqual({ reason: 'Chưa nhập' });
  });

  it('never shows the server\'s English to a Vietnamese reader', () => {
    // msgspec's own words for a missing field (the request for documents sent empty).
    const missing = { path: 'documents', code: 'required', message: 'Object missing required field `documents`' };
    const mapped = problemByField({ title: 'Dữ liệu chưa hợp lệ', status: 422, errors: [missing] }, spec('request_documents').fields, 'vi');
    expect(mapped.byField).toEqual({ documents: 'Chưa nhập' });
    expect(mapped.general).toEqual(['Giấy tờ cần bổ sung (mỗi dòng một loại): Chưa nhập']);
    // A wrong type, and a code this app does not know: in Vietnamese all the same.
    const wrongType = { path: '$.amount', code: 'invalid', message: 'Expected `int`, got `str` - at `$.amount`' };
    expect(problemByField({ title: '', status: 422, errors: [wrongType] }, spec('request_fee').fields, 'vi')).toEqual({
      byField: { amount: 'Giá trị không hợp lệ' },
      general: ['Số tiền (đồng): Giá trị không hợp lệ'],
    });
    expect(errorText({ code: 'something_new', message: 'some English' }, 'vi')).toBe('Giá trị không hợp lệ');
    expect(errorText({ code: 'something_new', message: 'some English' }, 'en')).toBe('some English');
  });

  it('confirms each action with one sentence of its own', () => {
    for (const a of ACTIONS) {
      expect(a.done[0]).toMatch(/^Đã .*\.$/);
      expect(a.done[0]).not.toContain(a.label[0] + ':');
    }
    expect(spec('return_result').done[0]).toBe('Đã trả kết quả.');
  });

  it('takes the states of each action from the server table (sync/states.json)', () => {
    for (const a of ACTIONS) expect(a.states).toEqual(serverTable.desk_actions[a.action].allowed_in);
    expect(() => allowedIn('not_an_action')).toThrow(/no desk action/);
  });

  it('builds the request body from the form', () => {
    const docs = buildPayload(spec('request_documents'), { documents: 'Giấy chứng nhận kết hôn\n\n  Sổ hộ khẩu  \n', reason: ' Cần đối chiếu ', due_date: '2026-12-01' });
    expect(docs).toEqual({ documents: ['Giấy chứng nhận kết hôn', 'Sổ hộ khẩu'], reason: 'Cần đối chiếu', due_date: '2026-12-01' });
    expect(buildPayload(spec('receive'), { message: '' })).toEqual({});
    expect(buildPayload(spec('request_fee'), { amount: '8.000', method: 'desk', message: '' })).toEqual({ amount: 8000, method: 'desk' });
    expect(buildPayload(spec('complete'), { register_number: '12/2026', result: 'C:\\fake\\kq.pdf', message: '' }, 'ab'.repeat(32))).toEqual({
      register_number: '12/2026',
      result_sha256: 'ab'.repeat(32),
    });
  });

  it('sends the tracking number only when the result goes by post', () => {
    const s = spec('return_result');
    expect(initialValues(s)).toEqual({ method: 'desk', tracking_number: '' });
    expect(visibleFields(s, { method: 'desk' }).map((f) => f.name)).toEqual(['method']);
    expect(buildPayload(s, { method: 'desk', tracking_number: 'left over' })).toEqual({ method: 'desk' });
    expect(buildPayload(s, { method: 'post', tracking_number: 'EB123456789VN' })).toEqual({ method: 'post', tracking_number: 'EB123456789VN' });
  });

  it('reads amounts written the Vietnamese way and leaves the rest to the server', () => {
    expect(parseAmount('50.000')).toBe(50000);
    expect(parseAmount('1 500 000')).toBe(1500000);
    expect(parseAmount('năm nghìn')).toBe('năm nghìn');
  });

  it('puts the problem field paths back on the form fields', () => {
    const fields = spec('request_documents').fields;
    expect(fieldOfError({ path: 'due_date' }, fields)).toBe('due_date');
    expect(fieldOfError({ path: '$.documents[0]' }, fields)).toBe('documents');
    expect(fieldOfError({ path: '$', message: 'Object missing required field `reason`' }, fields)).toBe('reason');
    expect(fieldOfError({ path: 'register_number' }, fields)).toBeNull();
    expect(fieldOfError({ path: 'result_sha256' }, spec('complete').fields)).toBe('result');
    const mapped = problemByField(
      { title: 'Dữ liệu chưa hợp lệ', errors: [{ path: 'due_date', code: 'date_in_past', message: 'the date has passed' }, { path: 'other', message: 'x' }] },
      fields,
    );
    expect(mapped).toEqual({ byField: { due_date: 'Ngày này đã qua' }, general: ['Hạn bổ sung: Ngày này đã qua', 'Giá trị không hợp lệ'] });
  });
});

describe('payment providers', () => {
  it('offers the desk first, then what the server lists', () => {
    const choices = providerChoices([
      { name: 'vnpay', online: true },
      { name: 'desk', online: false },
      { name: 'dev', online: true },
    ]);
    expect(choices.map((c) => c.value)).toEqual(['desk', 'dev', 'vnpay']);
    expect(choices[2]!.label[1]).toContain('online');
    expect(providerChoices([]).map((c) => c.value)).toEqual(['desk']);
  });
});
