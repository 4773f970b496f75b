import * as P from '/work/wt/openapi/back-office/periods';
import * as A from '/work/wt/openapi/back-office/acts';
type Acts = Awaited<ReturnType<typeof P.producePeriodActs>>['alreadyIssued'];
type Nothing = Awaited<ReturnType<typeof P.producePeriodActs>>['nothingToPay'];
type Check = Awaited<ReturnType<typeof P.producePeriodActs>>['check'];
type Reg = Awaited<ReturnType<typeof A.loadPeriodRegister>>;
