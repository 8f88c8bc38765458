import { rmSync } from 'node:fs';
import { SKIP_LOG } from './services.js';

export default function globalSetup(): void {
  rmSync(SKIP_LOG, { force: true });
}
