export { buildFraudCheckTask, buildOutreachTask, buildSuppression, fraudCheckScript } from './build.ts';
export type { FraudCheckFacts, FraudCheckOptions, OutreachOptions, SuppressionOptions } from './build.ts';
export { formatAmountMinor, formatLocalMonthDayTime } from './format.ts';
export { lastFourDigits, maskIdNumber } from './masking.ts';
export { taskIdFor } from './task-id.ts';
