/** The dashboard's entry: renders the app into #app (dashboard/index.html). */
import { render } from 'preact';
import { App } from './app';
import './styles.css';

render(<App />, document.getElementById('app')!);
