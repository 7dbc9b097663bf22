import { html } from 'htm/preact';
import { render } from 'preact';
import { App } from './app.ts';
import './theme.ts';

render(html`<${App} />`, document.getElementById('app')!);
