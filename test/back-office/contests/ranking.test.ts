/** Contest ranking: score first, then the contest's stated tie-break, then shared places. */
import { rankEntries, type ContestEntry } from '../../../back-office/contests';

const U = 1_000_000n;
const entry = (
  consultantId: number,
  code: string,
  score: number,
  newPolicies: number,
  hiredOn = '2025-01-01',
): ContestEntry => ({
  consultantId,
  code,
  hiredOn,
  scoreU: BigInt(score) * U,
  newPolicies,
  personalVolumeU: BigInt(score) * U,
  groupVolumeU: 0n,
});

describe('contest ranking', () => {
  const prizes = {
    top: [
      { place: 1, prize: 'Поїздка' },
      { place: 2, prize: 'Смартфон' },
    ],
    thresholds: [{ min: '5000', prize: 'Сертифікат' }],
  };

  it('breaks a tie on score by the stated key: more new policies first', () => {
    // A and B both have 10 000 points; B sold 5 new policies, A 4 -> B first, decided by newPolicies.
    const standings = rankEntries(
      [entry(1, 'A', 10000, 4), entry(2, 'B', 10000, 5), entry(3, 'C', 6000, 9)],
      ['newPolicies', 'hiredOn'],
      prizes,
    );
    expect(standings.map((s) => [s.code, s.place, s.prize, s.decidedBy])).toEqual([
      ['B', 1, 'Поїздка', null],
      ['A', 2, 'Смартфон', 'newPolicies'],
      ['C', 3, 'Сертифікат', null], // no place prize for 3rd; 6 000 reaches the 5 000 threshold
    ]);
  });

  it('falls through to the next key (longer service first) and shares a place when every key is equal', () => {
    const standings = rankEntries(
      [
        entry(1, 'A', 7000, 3, '2024-05-01'),
        entry(2, 'B', 7000, 3, '2023-01-01'),
        entry(3, 'C', 3000, 1),
        entry(4, 'D', 3000, 1),
      ],
      ['newPolicies', 'hiredOn'],
      prizes,
    );
    expect(standings.map((s) => [s.code, s.place, s.prize, s.decidedBy])).toEqual([
      ['B', 1, 'Поїздка', null],
      ['A', 2, 'Смартфон', 'hiredOn'],
      ['C', 3, null, null],
      ['D', 3, null, 'shared place'], // equal on score and on both keys: same place, standard ranking
    ]);
  });
});
