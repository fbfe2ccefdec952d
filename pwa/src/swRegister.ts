// Registers the service worker that precaches the app shell, so the app opens with no
// network at all. A new version takes over on the next start.

export function registerServiceWorker(): void {
  if (!('serviceWorker' in navigator) || import.meta.env.DEV) return;
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('./sw.js', { scope: './' }).catch((error) => {
      console.error('service worker registration failed', error);
    });
  });
}
