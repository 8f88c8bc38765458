import { digitsOf, FOLD_FROM, FOLD_TO, foldText, translate } from './search-fold.js';

describe('search folding', () => {
  test('case and accents fold the same way in JavaScript and in SQL translate()', () => {
    expect(foldText('NÃO Chegou, Atenção')).toBe('nao chegou, atencao');
    // SQLite's lower() folds ASCII only: the accented capitals are left to translate().
    const sqliteLower = (x: string) => x.replace(/[A-Z]/g, (c) => c.toLowerCase());
    expect(translate(sqliteLower('NÃO ÇÃO'), FOLD_FROM, FOLD_TO)).toBe(foldText('NÃO ÇÃO'));
    expect(translate(null, FOLD_FROM, FOLD_TO)).toBeNull();
    expect([...FOLD_FROM].length).toBe([...FOLD_TO].length);
  });
  test('documents and phones typed with punctuation become digits', () => {
    expect(digitsOf('529.982.247-25')).toBe('52998224725');
    expect(digitsOf('(11) 98765-4321')).toBe('11987654321');
    expect(digitsOf('+55 11 98765-4321')).toBe('5511987654321');
    expect(digitsOf('pedido 123')).toBeUndefined();
    expect(digitsOf('12-3')).toBeUndefined();
  });
});
