/** What the console needs from the app: the API's dependencies plus its own key and config. */
import type { Logger } from 'pino';
import type { UploadFormReader } from '../shared/upload-form.js';
import type { ApiDeps } from '../../http/api-router.js';
import type { SessionOptions } from '../shared/session-auth.js';

export interface ConsoleDeps extends ApiDeps {
  logger: Logger;
  /** Derived from the server secret: CSRF tokens. */
  webKey: Buffer;
  /** The multipart reader (the web form channel's, handed over by the composition root). */
  readUploadForm: UploadFormReader;
}

export interface ConsoleRuntime {
  deps: ConsoleDeps;
  sessions: SessionOptions;
  base: string;
}
