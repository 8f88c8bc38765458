/** What the console needs from the app: the API's dependencies plus its own key and config. */
import type { Logger } from 'pino';
import type { ApiDeps } from '../../http/api-router.js';
import type { SessionOptions } from '../shared/session-auth.js';

export interface ConsoleDeps extends ApiDeps {
  logger: Logger;
  /** Derived from the server secret: CSRF tokens. */
  webKey: Buffer;
}

export interface ConsoleRuntime {
  deps: ConsoleDeps;
  sessions: SessionOptions;
  base: string;
}
