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

/** Why an ЄДРПОУ is not valid, or null: eight digits (its check digit is not verified). */
export function edrpouProblem(companyCode: string): string | null {
  return /^\d{8}$/.test(companyCode) ? null : 'must be 8 digits (ЄДРПОУ)';
}
