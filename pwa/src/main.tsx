import './registerFirst';
import { render } from 'preact';
import { startApp } from './app';
import { fetchLazyChunks } from './lazyChunks';
import { setLang, lang } from './i18n';
import { startRouter } from './router';
import { App } from './ui/App';
import './style.css';

setLang(lang.value);
startRouter();
render(<App />, document.getElementById('app')!);
void startApp();
fetchLazyChunks();
