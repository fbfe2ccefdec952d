// Beside a requester's answer: whether it is what the person's e-ID verified. The
// status is said in words, with a mark before them; colour only repeats it.

import type { RequesterFlag } from '../../desk/verifiedRequester';

const MARK: Record<RequesterFlag['status'], string> = { verified: '✓', changed: '⚠', missing: '⚠' };

export function VerifiedFlag({ flag }: { flag: RequesterFlag | null }) {
  if (!flag) return null;
  return (
    <span class={`verified-flag ${flag.status}`} data-testid="desk-verified-flag" data-status={flag.status}>
      <span aria-hidden="true">{MARK[flag.status]} </span>
      {flag.text}
    </span>
  );
}
