import { Readable } from 'node:stream';
import { bodyKindOf, parseJsonBody, parseUrlencodedBody, readRawBody, unsupportedCharset } from './body-reader.js';
import { FormRejection } from './form-rejection.js';

describe('bodyKindOf / unsupportedCharset', () => {
  it.each<[string | undefined, string | undefined]>([
    ['application/json', 'json'],
    ['Application/JSON; charset=utf-8', 'json'],
    ['application/vnd.shop+json', 'json'],
    ['application/x-www-form-urlencoded;charset=UTF-8', 'urlencoded'],
    ['multipart/form-data; boundary=x', 'multipart'],
    ['text/plain', undefined],
    ['multipart/mixed; boundary=x', undefined],
    [undefined, undefined],
  ])('%s -> %s', (ct, kind) => {
    expect(bodyKindOf(ct)).toBe(kind);
  });

  it.each<[string, string | undefined]>([
    ['application/json; charset=utf-8', undefined],
    ['application/json; charset="UTF-8"', undefined],
    ['application/json', undefined],
    ['application/json; charset=iso-8859-1', 'iso-8859-1'],
  ])('%s -> %s', (ct, cs) => {
    expect(unsupportedCharset(ct)).toBe(cs);
  });
});

describe('parse', () => {
  it('reads a JSON object; refuses other JSON, bad JSON and bad UTF-8', () => {
    expect({ ...parseJsonBody(Buffer.from('\uFEFF{"a":1}')) }).toEqual({ a: 1 });
    for (const raw of ['[1]', '"x"', 'null', '{"a":', '']) expect(() => parseJsonBody(Buffer.from(raw))).toThrow(FormRejection);
    expect(() => parseJsonBody(Buffer.from([0x7b, 0xc3, 0x28, 0x7d]))).toThrow(/UTF-8/);
  });

  it('keeps __proto__ as a plain name', () => {
    const v = parseJsonBody(Buffer.from('{"__proto__":{"x":1}}'));
    expect(Object.getPrototypeOf(v)).toBeNull();
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('reads urlencoded, repeated names as arrays', () => {
    expect({ ...parseUrlencodedBody(Buffer.from('a=1&a=2&nome=Jos%C3%A9&vazio=&x+y=z+w')) }).toEqual({
      a: ['1', '2'],
      nome: 'José',
      vazio: '',
      'x y': 'z w',
    });
  });
});

describe('readRawBody', () => {
  it('returns the exact bytes', async () => {
    expect((await readRawBody(Readable.from([Buffer.from('ab'), Buffer.from('cd')]), 10)).toString()).toBe('abcd');
  });

  it('stops with 413 over the limit', async () => {
    await expect(readRawBody(Readable.from([Buffer.alloc(6), Buffer.alloc(6)]), 10)).rejects.toMatchObject({ status: 413 });
  });
});
