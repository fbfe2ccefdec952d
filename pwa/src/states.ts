// The dossier's states in plain words (sync/states.py: LABELS), by number.

export const STATE_LABELS: Record<number, [string, string]> = {
  0: ['Bản nháp', 'Draft'],
  1: ['Mới đăng ký', 'Submitted'],
  2: ['Được tiếp nhận', 'Received'],
  3: ['Không được tiếp nhận', 'Not received'],
  4: ['Đang xử lý', 'Processing'],
  5: ['Yêu cầu bổ sung giấy tờ', 'More documents requested'],
  6: ['Yêu cầu thực hiện nghĩa vụ tài chính', 'Fee requested'],
  7: ['Công dân yêu cầu rút hồ sơ', 'Withdrawal requested'],
  8: ['Dừng xử lý', 'Processing stopped'],
  9: ['Đã xử lý xong', 'Done'],
  10: ['Đã trả kết quả', 'Result returned'],
};

/** A sentence for the person: what the state means for them. */
export const STATE_HINTS: Record<number, [string, string]> = {
  0: ['Hồ sơ chưa gửi. Bạn có thể sửa tiếp.', 'Not sent yet. You can keep editing.'],
  1: ['Đã gửi, đang chờ cán bộ tiếp nhận.', 'Sent; waiting for an official to receive it.'],
  2: ['Cán bộ đã tiếp nhận hồ sơ.', 'An official has received the dossier.'],
  3: ['Hồ sơ không được tiếp nhận. Xem lý do bên dưới.', 'The dossier was not received. See why below.'],
  4: ['Hồ sơ đang được giải quyết.', 'The dossier is being processed.'],
  5: ['Cần bổ sung giấy tờ. Xem yêu cầu và trả lời bên dưới.', 'More documents are needed. See the request and answer below.'],
  6: ['Cần nộp lệ phí tại bộ phận một cửa.', 'A fee is due at the one-stop desk.'],
  7: ['Bạn đã yêu cầu rút hồ sơ.', 'You asked to withdraw the dossier.'],
  8: ['Hồ sơ đã dừng xử lý.', 'Processing has stopped.'],
  9: ['Đã có kết quả. Mang bản chính giấy tờ đến nhận.', 'The result is ready. Bring the originals to collect it.'],
  10: ['Đã trả kết quả.', 'The result has been returned.'],
};

export function stateLabel(state: number, lang: 'vi' | 'en'): string {
  const pair = STATE_LABELS[state];
  return pair ? pair[lang === 'vi' ? 0 : 1] : String(state);
}
