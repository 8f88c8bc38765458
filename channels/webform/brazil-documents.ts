/**
 * CPF and CNPJ check digits (Receita Federal, modulo 11). Pure.
 *
 * CNPJ became alphanumeric in July 2026: the first 12 characters may be A–Z or 0–9 and each
 * character counts as its ASCII code minus 48 (so digits keep their value); the two check
 * digits stay numeric. Old all-digit numbers validate unchanged under that rule.
 */
export type DocumentType = 'cpf' | 'cnpj';

export type DocumentResult = { ok: true; type: DocumentType; value: string } | { ok: false; message: string };

export function validateDocument(input: string): DocumentResult {
  const value = input.replace(/[\s./-]/g, '').toUpperCase();
  if (/^\d{11}$/.test(value)) {
    if (/^(\d)\1{10}$/.test(value)) return { ok: false, message: 'not a valid CPF (repeated digits)' };
    return cpfCheckDigits(value.slice(0, 9)) === value.slice(9)
      ? { ok: true, type: 'cpf', value }
      : { ok: false, message: 'not a valid CPF (check digits do not match)' };
  }
  if (/^[0-9A-Z]{12}\d{2}$/.test(value)) {
    if (/^(\d)\1{13}$/.test(value)) return { ok: false, message: 'not a valid CNPJ (repeated digits)' };
    return cnpjCheckDigits(value.slice(0, 12)) === value.slice(12)
      ? { ok: true, type: 'cnpj', value }
      : { ok: false, message: 'not a valid CNPJ (check digits do not match)' };
  }
  return { ok: false, message: 'use a CPF (11 digits) or a CNPJ (14 characters), e.g. 123.456.789-09' };
}

function cpfCheckDigits(base9: string): string {
  const d = [...base9].map(Number);
  const first = mod11Cpf(d, 10);
  const second = mod11Cpf([...d, first], 11);
  return `${first}${second}`;
}

function mod11Cpf(digits: number[], startWeight: number): number {
  const sum = digits.reduce((acc, v, i) => acc + v * (startWeight - i), 0);
  const r = (sum * 10) % 11;
  return r === 10 ? 0 : r;
}

const CNPJ_W1 = [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2];
const CNPJ_W2 = [6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2];

function cnpjCheckDigits(base12: string): string {
  const v = [...base12].map((c) => c.charCodeAt(0) - 48);
  const first = mod11Cnpj(v, CNPJ_W1);
  const second = mod11Cnpj([...v, first], CNPJ_W2);
  return `${first}${second}`;
}

function mod11Cnpj(values: number[], weights: number[]): number {
  const sum = values.reduce((acc, v, i) => acc + v * weights[i]!, 0);
  const r = sum % 11;
  return r < 2 ? 0 : 11 - r;
}
