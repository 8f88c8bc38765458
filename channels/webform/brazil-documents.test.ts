import { validateDocument } from './brazil-documents.js';

describe('validateDocument', () => {
  it.each([
    ['529.982.247-25', 'cpf', '52998224725'],
    ['123.456.789-09', 'cpf', '12345678909'],
    ['12345678909', 'cpf', '12345678909'],
    ['11.222.333/0001-81', 'cnpj', '11222333000181'],
    // Alphanumeric CNPJ (from July 2026), the Receita Federal example.
    ['12.ABC.345/01DE-35', 'cnpj', '12ABC34501DE35'],
    ['12.abc.345/01de-35', 'cnpj', '12ABC34501DE35'],
  ])('accepts %s as %s', (input, type, value) => {
    expect(validateDocument(input)).toEqual({ ok: true, type, value });
  });

  it.each([
    ['529.982.247-24', /CPF \(check digits/],
    ['111.111.111-11', /repeated/],
    ['11.222.333/0001-82', /CNPJ \(check digits/],
    ['12.ABC.345/01DE-34', /CNPJ \(check digits/],
    ['00.000.000/0000-00', /repeated/],
    ['1234', /11 digits/],
    ['12.ABC.345/01DE-3X', /11 digits/],
  ])('refuses %s with a reason', (input, reason) => {
    const r = validateDocument(input);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toMatch(reason);
  });
});
