/**
 * A real S3-compatible server (s3rver) on loopback for the storage tests, with one bucket, files
 * in a temporary folder. Requests are SigV4-signed by the SDK and checked by the server with its
 * fixed test credentials.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// @ts-expect-error s3rver ships no types
import S3rver from 's3rver';

export interface TestS3 {
  endpoint: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** The objects the server holds (names under the bucket). */
  dir: string;
  close(): Promise<void>;
}

export async function startTestS3(bucket = 'ponte-test'): Promise<TestS3> {
  const dir = mkdtempSync(join(tmpdir(), 'ponte-s3-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir, configureBuckets: [{ name: bucket }] });
  const addr = (await server.run()) as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${addr.port}`,
    bucket,
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    dir,
    async close() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
