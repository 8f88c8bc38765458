/**
 * Blobs in S3-compatible object storage (AWS S3, Cloudflare R2, MinIO): several gateway
 * machines read what any of them stored. Objects are named `<prefix><sha256>`; the content is
 * hashed before the upload, so the same bytes are one object and an object under a key is always
 * whole (S3 PUTs are atomic). This is the only module that imports @aws-sdk/client-s3.
 */
import { createRequire } from 'node:module';
import { PassThrough, type Readable } from 'node:stream';
import type { BlobPutResult, BlobStore } from '../channel/contract.js';
import { blobNotFound, checkKey, takeBlob } from './blob-intake.js';

/**
 * Loaded when an S3 store is created, not when this module is: the SDK costs a gateway that keeps
 * its blobs elsewhere (the default local folder) about 15 MB of memory for nothing.
 */
const loadS3 = (): typeof import('@aws-sdk/client-s3') => createRequire(import.meta.url)('@aws-sdk/client-s3');

export interface S3BlobConfig {
  bucket: string;
  region: string;
  /** For R2/MinIO/local servers: `http://127.0.0.1:9000`. Unset: AWS's own endpoint for the region. */
  endpoint?: string | undefined;
  /** Path-style URLs (`endpoint/bucket/key`): needed by MinIO and servers without per-bucket DNS. */
  forcePathStyle: boolean;
  prefix: string;
  /** Both or neither: without them the SDK's default chain (instance role, shared files) is used. */
  accessKeyId?: string | undefined;
  secretAccessKey?: string | undefined;
}

export interface S3BlobStore extends BlobStore {
  close(): void;
}

const notFound = (err: unknown): boolean => {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.$metadata?.httpStatusCode === 404 || e?.name === 'NoSuchKey' || e?.name === 'NotFound';
};

export function createS3BlobStore(config: S3BlobConfig, defaultMaxBytes = 25 * 1024 * 1024): S3BlobStore {
  const { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } = loadS3();
  const client = new S3Client({
    region: config.region,
    forcePathStyle: config.forcePathStyle,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    ...(config.accessKeyId && config.secretAccessKey
      ? { credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey } }
      : {}),
  });
  const Bucket = config.bucket;
  const keyOf = (key: string): string => `${config.prefix}${checkKey(key)}`;

  const getObject = async (key: string) => {
    try {
      return await client.send(new GetObjectCommand({ Bucket, Key: keyOf(key) }));
    } catch (err) {
      throw notFound(err) ? blobNotFound(key) : err;
    }
  };
  const head = async (key: string) => {
    try {
      return await client.send(new HeadObjectCommand({ Bucket, Key: keyOf(key) }));
    } catch (err) {
      if (notFound(err)) return undefined;
      throw err;
    }
  };

  return {
    async put(source, options): Promise<BlobPutResult> {
      const { key, bytes } = await takeBlob(source, options?.maxBytes ?? defaultMaxBytes);
      // Content-addressed: an object already there holds these very bytes.
      if (!(await head(key))) {
        await client.send(
          new PutObjectCommand({
            Bucket,
            Key: keyOf(key),
            Body: bytes,
            ContentLength: bytes.length,
            ContentType: 'application/octet-stream',
          }),
        );
      }
      return { key, size: bytes.length };
    },
    get(key) {
      checkKey(key);
      const out = new PassThrough();
      void getObject(key).then(
        (res) => {
          const body = res.Body as Readable;
          body.on('error', (err) => out.destroy(err));
          body.pipe(out);
        },
        (err: Error) => out.destroy(err),
      );
      return out;
    },
    async read(key) {
      const res = await getObject(key);
      return Buffer.from(await res.Body!.transformToByteArray());
    },
    async exists(key) {
      return (await head(key)) !== undefined;
    },
    async size(key) {
      const res = await head(key);
      if (!res) throw blobNotFound(key);
      return res.ContentLength ?? 0;
    },
    async delete(key) {
      await client.send(new DeleteObjectCommand({ Bucket, Key: keyOf(key) }));
    },
    close() {
      client.destroy();
    },
  };
}
