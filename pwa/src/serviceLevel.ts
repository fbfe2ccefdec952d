// What a procedure's online service level (mức độ 3 or 4, the catalog's `level`) means
// for the person: how much is done online and how the result reaches them.

import type { Answers } from './forms/types';
import { t } from './i18n';

/** "Mức 3" on a pill. */
export function levelName(level: number): string {
  return t(`Mức ${level}`, `Level ${level}`);
}

/** The level in the person's terms. */
export function levelMeaning(level: number): string {
  if (level >= 4) return t('Nộp hồ sơ và nộp lệ phí trực tuyến; kết quả được gửi qua bưu điện.', 'File and pay online; the result is delivered by post.');
  return t(
    'Nộp hồ sơ trực tuyến; đến nhận kết quả tại UBND xã/phường một lần.',
    'File online; come once to the commune office to collect the result.',
  );
}

/** How the person gets a finished dossier's result: at level 4 as they chose on the
 *  form (delivery.method), at level 3 at the commune office. */
export function howToCollect(level: number | undefined, answers: Answers): string {
  const atOffice = t(
    'Mang theo giấy tờ tùy thân (CCCD) và biên nhận, đến Bộ phận một cửa của UBND xã/phường một lần để nhận kết quả.',
    'Bring your ID card and the receipt to the one-stop desk of the commune office, once, to collect the result.',
  );
  if (level === undefined || level < 4) return atOffice;
  const method = answers['delivery.method'];
  if (method === 'truc_tuyen') return t('Bản điện tử của kết quả được gửi cho bạn trực tuyến.', 'The electronic copy of the result is sent to you online.');
  if (method === 'truc_tiep') return atOffice;
  return t('Kết quả được gửi qua bưu điện đến địa chỉ bạn đã khai (đã nộp lệ phí trực tuyến).', 'The result is delivered by post to the address you gave (the fee paid online).');
}
