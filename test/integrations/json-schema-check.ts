/** A small JSON-schema check (the subset zod's toJSONSchema emits): type, properties, required, additionalProperties, items, enum, const, anyOf/oneOf/allOf, minimum/maximum, pattern. Returns the paths that do not match. */
type Schema = Record<string, any>;

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

export function checkSchema(schema: Schema, value: unknown, path = '$'): string[] {
  if (!schema || Object.keys(schema).length === 0) return [];
  const errs: string[] = [];
  if (schema.anyOf || schema.oneOf) {
    const options = (schema.anyOf ?? schema.oneOf) as Schema[];
    if (!options.some((o) => checkSchema(o, value, path).length === 0)) errs.push(`${path}: matches none of ${options.length} options`);
    return errs;
  }
  if (schema.const !== undefined && value !== schema.const) errs.push(`${path}: expected ${JSON.stringify(schema.const)}`);
  if (schema.enum && !schema.enum.includes(value)) errs.push(`${path}: ${JSON.stringify(value)} not in ${JSON.stringify(schema.enum)}`);
  if (schema.type) {
    const types: string[] = Array.isArray(schema.type) ? schema.type : [schema.type];
    const t = typeOf(value);
    if (!types.includes(t) && !(t === 'integer' && types.includes('number')))
      return [...errs, `${path}: expected ${types.join('|')}, got ${t}`];
  }
  if (typeof value === 'number' && typeof schema.minimum === 'number' && value < schema.minimum)
    errs.push(`${path}: below ${schema.minimum}`);
  if (typeof value === 'number' && typeof schema.maximum === 'number' && value > schema.maximum)
    errs.push(`${path}: above ${schema.maximum}`);
  if (typeof value === 'string' && typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(value))
    errs.push(`${path}: does not match ${schema.pattern}`);
  if (schema.allOf) for (const part of schema.allOf as Schema[]) errs.push(...checkSchema(part, value, path));
  if (typeOf(value) === 'object') {
    const obj = value as Record<string, unknown>;
    for (const r of (schema.required as string[] | undefined) ?? []) if (!(r in obj)) errs.push(`${path}.${r}: required`);
    const props = (schema.properties ?? {}) as Record<string, Schema>;
    for (const [k, v] of Object.entries(obj)) {
      if (props[k]) errs.push(...checkSchema(props[k]!, v, `${path}.${k}`));
      else if (schema.additionalProperties === false) errs.push(`${path}.${k}: not in the schema`);
      else if (schema.additionalProperties && typeof schema.additionalProperties === 'object')
        errs.push(...checkSchema(schema.additionalProperties, v, `${path}.${k}`));
    }
  }
  if (Array.isArray(value) && schema.items)
    value.forEach((v, i) => {
      errs.push(...checkSchema(schema.items, v, `${path}[${i}]`));
    });
  return errs;
}
