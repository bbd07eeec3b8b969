// The boot data must exist before @grafana/runtime is first evaluated: this import stays first.
import './boot-data';
import { startHost } from './start-host';

startHost(document.getElementById('root'));
