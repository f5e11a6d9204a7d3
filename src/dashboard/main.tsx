import { render } from 'preact';
import { App } from './components/App.tsx';
import './styles.css';
import './management.css';

render(<App />, document.getElementById('app')!);
