/** Identity numbers of policyholders: РНОКПП of an individual, ЄДРПОУ of a company. */

const RNOKPP_WEIGHTS = [-1, 5, 7, 9, 4, 6, 10, 5, 7];

/**
 * Why a РНОКПП is not valid, or null when it is: ten digits, the tenth being the weighted sum of
 * the first nine (weights -1,5,7,9,4,6,10,5,7) mod 11, then mod 10.
 */
export function rnokppProblem(taxNumber: string): string | null {
  if (!/^\d{10}$/.test(taxNumber)) return 'must be 10 digits (РНОКПП)';
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += RNOKPP_WEIGHTS[i] * Number(taxNumber[i]);
  const check = (((sum % 11) + 11) % 11) % 10;
  return check === Number(taxNumber[9])
    ? null
    : `check digit is wrong: ${taxNumber.slice(0, 9)} gives ${check}, not ${taxNumber[9]} (РНОКПП)`;
}

/** Weights of an ЄДРПОУ's first seven digits; codes between 30 000 000 and 60 000 000 take the second. */
const EDRPOU_WEIGHTS = [1, 2, 3, 4, 5, 6, 7];
const EDRPOU_WEIGHTS_30_60M = [7, 1, 2, 3, 4, 5, 6];

/**
 * The check digit of an ЄДРПОУ from its first seven digits: their weighted sum mod 11 (weights 1..7,
 * or 7,1,2,…,6 when the code lies between 30 000 000 and 60 000 000); when that gives 10, the sum
 * once more with every weight 2 higher, mod 11; when that gives 10 again, 0.
 */
export function edrpouCheckDigit(code: string): number {
  const value = Number(code.slice(0, 8).padEnd(8, '0'));
  const weights = value > 30_000_000 && value < 60_000_000 ? EDRPOU_WEIGHTS_30_60M : EDRPOU_WEIGHTS;
  const remainder = (add: number) => {
    let sum = 0;
    for (let i = 0; i < 7; i++) sum += (weights[i] + add) * Number(code[i]);
    return sum % 11;
  };
  const first = remainder(0);
  if (first < 10) return first;
  const second = remainder(2);
  return second < 10 ? second : 0;
}

/** Why an ЄДРПОУ is not valid, or null when it is: eight digits, the last its check digit. */
export function edrpouProblem(companyCode: string): string | null {
  if (!/^\d{8}$/.test(companyCode)) return 'must be 8 digits (ЄДРПОУ)';
  const check = edrpouCheckDigit(companyCode);
  return check === Number(companyCode[7])
    ? null
    : `check digit is wrong: ${companyCode.slice(0, 7)} gives ${check}, not ${companyCode[7]} (ЄДРПОУ)`;
}
