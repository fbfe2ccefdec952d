import { render } from 'preact';
import { startApp } from './app';
import { setLang, lang } from './i18n';
import { startRouter } from './router';
import { registerServiceWorker } from './swRegister';
import { App } from './ui/App';
import './style.css';

// The worker first: its script and precache are the longest chain of a first visit
// (index.html's head has usually registered it already: src/swRegister.ts).
registerServiceWorker();
setLang(lang.value);
startRouter();
render(<App />, document.getElementById('app')!);
void startApp();
