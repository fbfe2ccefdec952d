// On a first visit the worker's precache stores the lazy chunks too (upload code, the
// receipt's QR code, passkeys). Asked for by the page as it starts, they download
// beside the worker's script instead of after it, and the precache then finds them in
// the HTTP cache (they are content-hashed, immutable): the chain before the app works
// offline gets shorter by their download (bench/first_visit.py), and the first screen,
// already in, is not slowed. Once a worker controls the page it serves them: nothing to do.
export function fetchLazyChunks(): void {
  if (!('serviceWorker' in navigator) || navigator.serviceWorker.controller || import.meta.env.DEV) return;
  void Promise.all([import('tus-js-client'), import('uqr'), import('@simplewebauthn/browser')]).catch(() => undefined);
}
