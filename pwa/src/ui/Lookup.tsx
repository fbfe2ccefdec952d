// Public lookup by code (#/tra-cuu?code=…): the code is checked on the device first
// (a mistyped character is caught before any request), then the robot check.

import { useState } from 'preact/hooks';
import { api, dataOf } from '../api/http';
import type { LookupResult } from '../api/types';
import { displayCode, parseCode } from '../codes';
import { shortReference } from '../dossierNames';
import { online } from '../app';
import { formatDate, formatTime, t, tx } from '../i18n';
import { Captcha } from './Captcha';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function LookupPage({ initialCode, initialId }: { initialCode: string; initialId: string }) {
  const [code, setCode] = useState(initialCode);
  const [captchaId, setCaptchaId] = useState<string | null>(null);
  const [answer, setAnswer] = useState('');
  const [nonce, setNonce] = useState(0);
  const [result, setResult] = useState<LookupResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const id = UUID.test(initialId) ? initialId : '';
  const parsed = code.trim() ? parseCode(code) : null;
  const local =
    parsed && !parsed.ok
      ? parsed.problem === 'check'
        ? t('Mã có ký tự gõ sai (ký tự kiểm tra không khớp). Hãy xem lại từng ký tự.', 'A character is mistyped (the check character does not match).')
        : t('Mã hồ sơ gồm 16 chữ và số.', 'A dossier code has 16 letters and digits.')
      : null;

  async function lookUp(e: Event) {
    e.preventDefault();
    setError(null);
    setResult(null);
    if (!captchaId || (!id && (!parsed || !parsed.ok))) return;
    try {
      const body = { captcha_id: captchaId, captcha_answer: answer, ...(id && !code.trim() ? { id } : { code: parsed && parsed.ok ? parsed.code : code }) };
      setResult(await dataOf(api.POST('/api/lookup', { body })));
    } catch (err) {
      const status = (err as { status?: number }).status;
      setError(
        status === 404
          ? t('Không tìm thấy hồ sơ với mã này.', 'No dossier has this code.')
          : status === 400
            ? t('Mã xác nhận không đúng hoặc đã hết hạn.', 'The robot check was wrong or expired.')
            : status === 429
              ? t('Tra cứu quá nhiều lần. Hãy thử lại sau.', 'Too many lookups. Try again later.')
              : t('Không tra cứu được. Hãy kiểm tra kết nối.', 'The lookup failed. Check the connection.'),
      );
    }
    setNonce((n) => n + 1);
  }

  return (
    <div>
      <h1>{t('Tra cứu hồ sơ', 'Look up a dossier')}</h1>
      <form class="card" onSubmit={(e) => void lookUp(e)}>
        <label for="lookup-code">{t('Mã hồ sơ', 'Dossier code')}</label>
        <input
          id="lookup-code"
          autocomplete="off"
          autocapitalize="characters"
          placeholder="0007 0260 0000 0019"
          value={code}
          onInput={(e) => setCode((e.target as HTMLInputElement).value)}
          aria-invalid={!!local}
        />
        {parsed?.ok && <p class="hint">{displayCode(parsed.code)} ✓</p>}
        {local && <p class="error">{local}</p>}
        {id && !code.trim() && <p class="hint">{t('Tra cứu theo biên nhận', 'Looking up by receipt')} {shortReference(id)}</p>}
        {online.value ? (
          <Captcha onChallenge={setCaptchaId} answer={answer} onAnswer={setAnswer} nonce={nonce} />
        ) : (
          <p class="warning">{t('Cần có mạng để tra cứu.', 'Looking up needs a connection.')}</p>
        )}
        <button type="submit" class="primary" disabled={!online.value || !!local || (!parsed?.ok && !id)}>
          {t('Tra cứu', 'Look up')}
        </button>
        {error && <p class="error" role="alert">{error}</p>}
      </form>
      {result && (
        <div class="card status" data-testid="lookup-result">
          {result.code && <p class="code">{displayCode(result.code)}</p>}
          <p class="state">{tx(result.state_label)}</p>
          <p>{tx(result.procedure)}</p>
          <p>{result.agency}</p>
          {result.submitted_at && (
            <p>
              {t('Nộp lúc', 'Submitted')}: {formatTime(result.submitted_at)}
            </p>
          )}
          {result.due_date && (
            <p>
              {t('Hạn giải quyết', 'Due')}: {formatDate(result.due_date)}
            </p>
          )}
          {result.appointment_date && (
            <p>
              {t('Ngày hẹn', 'Appointment')}: {formatDate(result.appointment_date)}
            </p>
          )}
        </div>
      )}
    </div>
  );
}
