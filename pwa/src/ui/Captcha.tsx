import { useEffect, useState } from 'preact/hooks';
import type { CaptchaOut } from '../api/types';
import { ApiError, answered, api, dataOf } from '../api/http';
import { newCaptcha } from '../auth';
import { t } from '../i18n';

/** What the person is told when a challenge or its sound cannot be had. */
function refusalText(error: unknown): string {
  if (error instanceof ApiError && error.status === 429) {
    const minutes = Math.max(1, Math.ceil((error.retryAfter ?? 60) / 60));
    return t(`Bạn đã yêu cầu quá nhiều lần. Hãy thử lại sau ${minutes} phút.`, `Too many requests. Try again in ${minutes} min.`);
  }
  if (error instanceof ApiError) return t('Máy chủ chưa đọc được mã lúc này. Hãy thử lại sau.', 'The server cannot play the check now. Try again later.');
  return t('Cần có mạng để lấy mã xác nhận.', 'A connection is needed for the robot check.');
}

/** The robot check: a picture (and its sound), one attempt each. */
export function Captcha({ onChallenge, answer, onAnswer, nonce }: { onChallenge(id: string | null): void; answer: string; onAnswer(v: string): void; nonce: number }) {
  const [captcha, setCaptcha] = useState<CaptchaOut | null>(null);
  const [error, setError] = useState<string | null>(null);
  async function load() {
    setError(null);
    onChallenge(null);
    try {
      const c = await newCaptcha();
      setCaptcha(c);
      onChallenge(c.id);
    } catch (e) {
      setError(refusalText(e));
    }
    onAnswer('');
  }
  function listen(challenge: CaptchaOut) {
    setError(null);
    const audio = new Audio(challenge.audio_url);
    // A refused sound (rate limit, no speech engine) only fails to play: ask once more
    // for the reason, so the person is told instead of hearing nothing.
    audio.addEventListener('error', () => {
      // The body is left unread (a stream): only the status and the problem matter here.
      answered(api.GET('/api/captcha/{challenge_id}/audio', { params: { path: { challenge_id: challenge.id } }, parseAs: 'stream' })).then(
        () => setError(t('Máy này không phát được âm thanh của mã.', 'This device cannot play the sound.')),
        (e) => setError(refusalText(e)),
      );
    });
    void audio.play().catch(() => undefined);
  }
  /** Demo mode only (the server gives `answer_url` then): testers need not read the picture. */
  async function reveal(challenge: CaptchaOut) {
    setError(null);
    try {
      const { answer } = await dataOf(api.GET('/api/captcha/{challenge_id}/answer', { params: { path: { challenge_id: challenge.id } } }));
      onAnswer(answer);
    } catch (e) {
      setError(refusalText(e));
    }
  }
  useEffect(() => {
    void load();
  }, [nonce]);
  return (
    <div class="captcha">
      <label for="captcha-answer">{t('Mã xác nhận', 'Robot check')}</label>
      {captcha && <img src={captcha.image} alt={t("Mã xác nhận", "Robot check")} width={200} height={70} data-captcha-id={captcha.id} />}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <div class="row">
        <input id="captcha-answer" autocomplete="off" autocapitalize="characters" value={answer} onInput={(e) => onAnswer((e.target as HTMLInputElement).value)} />
        <button type="button" class="link" onClick={() => void load()}>
          {t('Mã khác', 'Another')}
        </button>
        {captcha && (
          <button type="button" class="link" onClick={() => listen(captcha)}>
            {t('Nghe', 'Listen')}
          </button>
        )}
        {captcha?.answer_url && (
          <button type="button" class="link" data-testid="captcha-reveal" onClick={() => void reveal(captcha)}>
            {t('Hiện đáp án (chế độ thử)', 'Show the answer (demo)')}
          </button>
        )}
      </div>
    </div>
  );
}
