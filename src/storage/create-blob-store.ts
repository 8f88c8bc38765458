/** Picks the blob backend named by `storage.driver` (local folder by default); small in-memory content stays in the database (inline-blob-store.ts). */
import type { BlobStore } from '../channel/contract.js';
import type { Database } from '../db/database.js';
import { ConfigError } from '../domain/errors.js';
import type { PonteConfig } from '../config/schema.js';
import { createBlobStore } from './blob-store.js';
import { withInlineBlobs } from './inline-blob-store.js';
import { createPostgresBlobStore } from './pg-blob-store.js';
import { createS3BlobStore } from './s3-blob-store.js';

export interface ConfiguredBlobStore {
  blobs: BlobStore;
  /** Releases the backend's connections (S3 sockets); the database is closed by its owner. */
  close(): void;
}

export function createConfiguredBlobStore(storage: PonteConfig['storage'], database: Database): ConfiguredBlobStore {
  const max = storage.maxAttachmentBytes;
  switch (storage.driver) {
    case 'postgres':
      if (database.dialect !== 'postgres') {
        throw new ConfigError('invalid configuration', [
          { path: 'storage.driver', message: 'postgres blob storage needs database.driver: postgres' },
        ]);
      }
      return { blobs: createPostgresBlobStore(database, max), close: () => undefined };
    case 's3': {
      if (!storage.s3)
        throw new ConfigError('invalid configuration', [{ path: 'storage.s3', message: 'required when storage.driver is s3' }]);
      const store = createS3BlobStore(storage.s3, max);
      return { blobs: withInlineBlobs(store, database, storage.inlineMaxBytes, max), close: () => store.close() };
    }
    default:
      return {
        blobs: withInlineBlobs(createBlobStore(storage.blobsDir, max), database, storage.inlineMaxBytes, max),
        close: () => undefined,
      };
  }
}
