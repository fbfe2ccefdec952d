import { useEffect, useState } from 'preact/hooks';
import type { CaptchaOut } from '../api/types';
import { newCaptcha } from '../auth';
import { t } from '../i18n';

/** The robot check: a picture (and its sound), one attempt each. */
export function Captcha({ onChallenge, answer, onAnswer, nonce }: { onChallenge(id: string | null): void; answer: string; onAnswer(v: string): void; nonce: number }) {
  const [captcha, setCaptcha] = useState<CaptchaOut | null>(null);
  const [error, setError] = useState(false);
  async function load() {
    setError(false);
    onChallenge(null);
    try {
      const c = await newCaptcha();
      setCaptcha(c);
      onChallenge(c.id);
    } catch {
      setError(true);
    }
    onAnswer('');
  }
  useEffect(() => {
    void load();
  }, [nonce]);
  return (
    <div class="captcha">
      <label for="captcha-answer">{t('Mã xác nhận', 'Robot check')}</label>
      {captcha && <img src={captcha.image} alt={t("Mã xác nhận", "Robot check")} width={200} height={70} data-captcha-id={captcha.id} />}
      {error && <p class="error">{t('Cần có mạng để lấy mã xác nhận.', 'A connection is needed for the robot check.')}</p>}
      <div class="row">
        <input id="captcha-answer" autocomplete="off" autocapitalize="characters" value={answer} onInput={(e) => onAnswer((e.target as HTMLInputElement).value)} />
        <button type="button" class="link" onClick={() => void load()}>
          {t('Mã khác', 'Another')}
        </button>
        {captcha && (
          <button type="button" class="link" onClick={() => void new Audio(captcha.audio_url).play()}>
            {t('Nghe', 'Listen')}
          </button>
        )}
      </div>
    </div>
  );
}
