// Imported first by the entry script (src/main.tsx), so the worker is registered before
// the rest of the app's modules run.
import { registerServiceWorker } from './swRegister';

registerServiceWorker();
