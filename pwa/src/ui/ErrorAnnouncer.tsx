// Says politely the errors that have just appeared under the form's fields (a field left
// empty, a date in the future), once each: a screen-reader user hears what a sighted
// person sees turn red. Errors shown when the form opened are not read out.

import { useEffect, useRef, useState } from 'preact/hooks';

export function ErrorAnnouncer({ errors }: { errors: readonly string[] }) {
  const seen = useRef<Set<string>>(new Set(errors));
  const [said, setSaid] = useState('');
  const key = errors.join('\n');
  useEffect(() => {
    const fresh = errors.filter((e) => !seen.current.has(e));
    seen.current = new Set(errors);
    if (fresh.length) setSaid(fresh.join('. '));
  }, [key]);
  return (
    <div class="visually-hidden" aria-live="polite" data-testid="error-announcer">
      {said}
    </div>
  );
}
