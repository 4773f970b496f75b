/**
 * Analytical reports for management and consultants, "as it was on D" and "as known on K": the
 * management reports (sales, network, persistency, remuneration against commission, collections,
 * exchange), a consultant's own report, and their XLSX and PDF exports with Ukrainian headings.
 * The API (src/api/routes/reports), the CLI (`ecspert report`) and the web application call these.
 */
export {
  isManagementReport,
  ledgerAsKnownSql,
  managementReport,
  MANAGEMENT_REPORTS,
  MANAGEMENT_TITLES,
  type ManagementReportName,
} from './management';
export { consultantReport, type ConsultantReport } from './consultant';
export { cellText, reportPdf, reportXlsx } from './exports';
export {
  type ColumnKind,
  type Report,
  type ReportColumn,
  ReportError,
  type ReportFilters,
  type ReportRow,
  type ResolvedFilters,
} from './report';
export { listAudit, type AuditQuery, type AuditRecord } from './audit';
export {
  createSchedule,
  deliveryBytes,
  findSchedule,
  isEmailAddress,
  kyivPeriod,
  listDeliveries,
  listSchedules,
  nextRunOf,
  removeSchedule,
  renderSchedule,
  resendDelivery,
  runDueSchedules,
  runFilters,
  runSchedule,
  SCHEDULE_FORMATS,
  SCHEDULED_REPORTS,
  ScheduleError,
  sendDelivery,
  sendScheduleNow,
  startReportScheduler,
  updateSchedule,
  type ReportDelivery,
  type ReportSchedule,
  type ReportScheduler,
  type ScheduleFilters,
  type ScheduleInput,
  type SchedulePatch,
} from './schedules';
export { reportMailFromEnv, type ReportMailSettings } from './schedules-mail';
export { readReportsFromDetail, rebuildReportSummary, summaryRebuilds } from './summary';
